package io.c254.streaming.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The service's Prometheus metrics, with SPEC.md's names. Every label takes values from a closed set
 * (transport, error code, close reason, registered topic): never a user, tenant or connection id.
 * Counters that the hot path already keeps (messages sent, records consumed) are read from there
 * when scraped, so delivery pays nothing extra.
 */
public final class StreamingMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer fanOutBatch;
    private final Timer deliveryLatency;

    public StreamingMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // the fan-out encodes into the pooled allocator; sockets read and write with Netty's default (adaptive in 4.2)
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(registry);
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT && ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider sockets) {
            new NettyAllocatorMetrics(sockets).bindTo(registry);
        }
        fanOutBatch = Timer.builder("fanout.batch.duration")
                .description("Time to match and hand one Kafka poll batch to the event loops")
                .publishPercentileHistogram()
                .register(registry);
        deliveryLatency = Timer.builder("delivery.latency")
                .description("From the Kafka record's timestamp to its write to a client socket")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        // SPEC.md's counters exist from the start, at zero, rather than after their first event
        count("subscriptions", "Subscriptions made", 0);
        count("messages.received", "Messages received from WebSocket clients", 0);
        count("resumes", "Subscriptions that resumed from a client's cursor", 0);
        count("resume.gap.records", "Records resuming clients missed that retention had removed", 0);
    }

    /** Delivery latency over the last seconds (the console's chart); call its sample() once a second. */
    public LatencyWindow deliveryLatencyWindow() {
        return new LatencyWindow(deliveryLatency::takeSnapshot);
    }

    /**
     * The totals of a counter's series (plain or read from the hot path) summed by one label, for the
     * console's overview: `totalsBy("disconnects", "reason")` adds up both transports per reason.
     */
    public SortedMap<String, Long> totalsBy(String name, String label) {
        SortedMap<String, Long> totals = new TreeMap<>();
        registry.find(name).counters().forEach(c -> totals.merge(c.getId().getTag(label), Math.round(c.count()), Long::sum));
        registry.find(name).functionCounters().forEach(c -> totals.merge(c.getId().getTag(label), Math.round(c.count()), Long::sum));
        return totals;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** A counter the hot path already keeps, exposed under a SPEC.md name when scraped. */
    public <T> void exposeCounter(String name, String description, T source, ToDoubleFunction<T> total, String... tags) {
        FunctionCounter.builder(name, source, total).description(description).tags(tags).register(registry);
    }

    public <T> void exposeGauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder(name, source, value).description(description).tags(tags).register(registry);
    }

    /** `connections_refused_total{transport,reason}`: refusals before a stream started. */
    public void connectionRefused(String transport, Enum<?> reason) {
        count("connections.refused", "Connections refused before the stream started", "transport", lower(transport), "reason", reason.name());
    }

    /** `subscriptions_refused_total{reason}`: unknown topics, denials, unavailable entitlements, limits. */
    /** A connection closed before its stream started, for taking too long: `request`, `handshake` or `keepalive`. */
    public void connectionTimedOut(String phase) {
        count("connections.timed.out", "Connections closed before a stream started, for taking too long", "phase", phase);
    }

    public void subscriptionRefused(Enum<?> reason) {
        count("subscriptions.refused", "Subscriptions refused or revoked", "reason", reason.name());
    }

    /** `subscriptions_total`: subscriptions made (the active ones are the gauge `subscriptions_active`). */
    public void subscribed() {
        count("subscriptions", "Subscriptions made");
    }

    /** `rate_limited_total{scope}`: address, user (connection attempts) or message. */
    public void rateLimited(String scope) {
        count("rate.limited", "Requests refused by a rate limit", "scope", scope);
    }

    /** `messages_received_total`: frames clients sent over WebSocket. */
    public void messageReceived() {
        count("messages.received", "Messages received from WebSocket clients");
    }

    /** `resumes_total`: subscriptions that resumed from a client's cursor, per topic. */
    public void resumed() {
        count("resumes", "Subscriptions that resumed from a client's cursor");
    }

    /** `resume_gap_records_total`: records resuming clients could not be given (removed by retention first). */
    public void resumeGap(long records) {
        count("resume.gap.records", "Records resuming clients missed that retention had removed", records);
    }

    public void fanOutBatch(long nanos) {
        fanOutBatch.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Records the age of a record at the moment it is written to a client. */
    public void delivered(long recordTimestampMillis, long nowMillis) {
        deliveryLatency.record(Math.max(0, nowMillis - recordTimestampMillis), TimeUnit.MILLISECONDS);
    }


    private void count(String name, String description, String... tags) {
        count(name, description, 1, tags);
    }

    private void count(String name, String description, double amount, String... tags) {
        String key = name + '\u0000' + String.join("\u0000", tags);
        counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry)).increment(amount);
    }

    private static String lower(String value) {
        return value.toLowerCase(Locale.ROOT);
    }
}
