package io.c254.streaming.bench;

import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the load generator: connect the subscribers, publish through the warm-up and the measured
 * window, wait (bounded) for stragglers, then close everything and give the figures as one result line.
 */
final class BenchRun {

    private static final Logger log = LoggerFactory.getLogger(BenchRun.class);
    private static final long STRAGGLER_POLL_MILLIS = 10;

    private final Options options;
    private final ProcessStats server;
    private final Deliveries deliveries;
    private final BenchRecords records;

    private OptionalLong rssBeforeConnect = OptionalLong.empty();
    private OptionalLong rssAfterConnect = OptionalLong.empty();
    private OptionalLong rssAfterRun = OptionalLong.empty();
    private double connectSeconds;
    private Connections connections;
    private PublishSchedule.Outcome published = new PublishSchedule.Outcome(0, 0);
    private long publishFailures;
    private long expected;
    private WindowSampler window;
    private KafkaHop hop;

    BenchRun(Options options) {
        this.options = options;
        this.server = options.serverPid() > 0 ? ProcessStats.of(options.serverPid()) : null;
        this.deliveries = new Deliveries(Micros.now(), options.firstWindowSeq());
        this.records = new BenchRecords(options.size());
        records.checkFits(options.firstWindowSeq() + options.windowRecords(), options.instruments());
    }

    ResultLine run() throws InterruptedException {
        window = new WindowSampler(server);
        try (Publisher publisher = options.rate() > 0 ? Publisher.open(options) : null;
             KafkaHop baseline = options.baseline() ? KafkaHop.start(options.bootstrap(), options.topic(), deliveries) : null) {
            hop = baseline;
            rssBeforeConnect = rss();
            try (SubscriberPool pool = new SubscriberPool(options, deliveries)) {
                connect(pool);
                publish(publisher);
                awaitStragglers();
                deliveries.stop();
                rssAfterRun = rss();
                log.info("window done: {} of {} expected deliveries", deliveries.windowDelivered(), expected);
            }
            publishFailures = publisher == null ? 0 : publisher.failures();
        }
        return result();
    }

    private void connect(SubscriberPool pool) throws InterruptedException {
        long start = System.nanoTime();
        connections = pool.connectAll();
        connectSeconds = (System.nanoTime() - start) / 1e9;
        rssAfterConnect = rss();
        expected = expectedDeliveries(pool);
        log.info("{} of {} subscribers ok in {} s ({} failed{})", connections.ok(), options.subscribers(),
                String.format("%.1f", connectSeconds), connections.failed(),
                connections.failed() > 0 ? ": " + connections.failureReasons() : "");
    }

    private void publish(Publisher publisher) {
        log.info("publishing {} records/s: {} s warm-up, {} s measured", options.rate(), options.warmupSeconds(), options.durationSeconds());
        published = new PublishSchedule(options, publisher, records).run(window);
    }

    /** Each window record times the ok subscribers it is meant for. */
    private long expectedDeliveries(SubscriberPool pool) {
        if (!options.isFiltered()) {
            return options.windowRecords() * connections.ok();
        }
        int[] perInstrument = pool.okSubscribersPerInstrument();
        long total = 0;
        for (long seq = options.firstWindowSeq(); seq < options.firstWindowSeq() + options.windowRecords(); seq++) {
            total += perInstrument[(int) (seq % options.instruments())];
        }
        return total;
    }

    private void awaitStragglers() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.graceSeconds());
        while (System.nanoTime() < deadline && !allArrived()) {
            Thread.sleep(STRAGGLER_POLL_MILLIS);
        }
    }

    private boolean allArrived() {
        return deliveries.windowDelivered() >= expected && (hop == null || hop.windowReceived() >= published.published());
    }

    private OptionalLong rss() {
        return server == null ? OptionalLong.empty() : server.rssKb();
    }

    private ResultLine result() {
        long delivered = deliveries.windowDelivered();
        long loss = expected - delivered;
        LatencySummary latency = LatencySummary.of(deliveries.latencies());
        OptionalLong serverCpu = window.serverCpuMicros();
        ResultLine line = ResultLine.describing(options)
                .put("connected_ok", connections.ok())
                .put("connect_failed", connections.failed())
                .put("dropped_during_run", connections.dropped())
                .put("rate", options.rate())
                .put("size", options.size())
                .put("duration_s", options.durationSeconds())
                .put("warmup_s", options.warmupSeconds())
                .put("published", published.published())
                .put("publish_failed", publishFailures)
                .put("publish_behind_max_ms", published.maxBehindMillis())
                .put("expected", expected)
                .put("delivered", delivered)
                .put("loss", loss)
                .put("loss_pct", expected == 0 ? 0 : 100.0 * loss / expected)
                .put("other_received", deliveries.other())
                .put("delivered_per_s", (double) delivered / options.durationSeconds())
                .latency("latency_ms", latency);
        if (hop != null) {
            line.latency("baseline_kafka_ms", LatencySummary.of(hop.latencies()))
                    .put("baseline_kafka_received", hop.windowReceived());
        }
        line.put("server_rss_kb_before_connect", rssBeforeConnect)
                .put("server_rss_kb_after_connect", rssAfterConnect)
                .put("server_rss_kb_after_run", rssAfterRun)
                .put("server_rss_kb_per_connection", perConnection(rssAfterConnect, rssBeforeConnect))
                .put("server_cpu_pct", window.serverCpuPercent())
                .put("server_cpu_sys_pct", window.serverSystemCpuPercent())
                .put("server_cpu_us_per_delivery", serverCpu.isPresent() && delivered > 0
                        ? OptionalDouble.of((double) serverCpu.getAsLong() / delivered) : OptionalDouble.empty())
                .put("generator_cpu_pct", window.generatorCpuPercent())
                .put("connect_s", connectSeconds)
                .put("connect_failures", connections.failureReasons())
                .put("step_good", good(loss, latency))
                .put("args", options.args());
        return line;
    }

    private OptionalDouble perConnection(OptionalLong after, OptionalLong before) {
        if (after.isEmpty() || before.isEmpty() || connections.ok() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((double) (after.getAsLong() - before.getAsLong()) / connections.ok());
    }

    /** A good step lost nothing, kept every connection, and met the p99 bound (when there was anything to time). */
    private boolean good(long loss, LatencySummary latency) {
        boolean connectionsKept = connections.failed() == 0 && connections.dropped() == 0;
        boolean timely = expected == 0 || (!latency.empty() && latency.p99() <= options.maxP99Millis());
        return connectionsKept && loss == 0 && timely && publishFailures == 0;
    }
}
