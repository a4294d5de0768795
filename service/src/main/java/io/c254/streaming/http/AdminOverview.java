package io.c254.streaming.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.ingest.KafkaStatus;
import io.c254.streaming.ingest.PartitionProgress;
import io.c254.streaming.metrics.LatencyWindow;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * `GET /admin/overview`: everything the web console draws, in one JSON document an operator's tools can
 * read too (api/openapi.yaml): connections, delivery rates and latency, Kafka positions and lag, refusals
 * and disconnects by reason, and the topic registry with its subscribers and rates. Rates and latency
 * are over the last seconds; counts are totals since start, which a poller turns into rates itself.
 */
public final class AdminOverview {

    /** What the overview reads; all of it is kept elsewhere for /stats, /metrics or delivery. */
    public record Sources(SessionRegistry sessions, IntSupplier pending, DeliveryStats delivered, Supplier<KafkaStatus> kafka,
                   Supplier<List<PartitionProgress>> partitions, ToLongFunction<String> recordsRead, TopicRegistry registry,
                   SubscriptionIndex index, StreamingMetrics metrics, boolean localMode) {
    }

    private final Sources sources;
    private final Map<Transport, Throughput> deliveryRates;
    private final LatencyWindow latency;
    private final Map<String, Throughput> topicRates = new LinkedHashMap<>();

    AdminOverview(Sources sources, Map<Transport, Throughput> deliveryRates) {
        // sampling starts before the ingest reads anything: a topic's rate is of records read, not of offsets
        this.sources = sources;
        this.deliveryRates = deliveryRates;
        this.latency = sources.metrics().deliveryLatencyWindow();
        for (TopicDefinition topic : sources.registry().topics()) {
            topicRates.put(topic.name(), new Throughput(() -> sources.recordsRead().applyAsLong(topic.name())));
        }
    }

    /** Once a second, with the /stats rates. */
    void sample() {
        latency.sample();
        topicRates.values().forEach(Throughput::sample);
    }

    ObjectNode render(BuildInfo build, long uptimeSeconds) {
        ObjectNode body = Json.object()
                .put("time", System.currentTimeMillis())
                .put("local_mode", sources.localMode())
                .put("version", build.version())
                .put("uptime_seconds", uptimeSeconds);
        ObjectNode connections = body.putObject("connections");
        ObjectNode perSecond = body.putObject("messages_per_second");
        ObjectNode sent = body.putObject("messages_sent");
        for (Transport transport : Transport.values()) {
            String name = transport.name().toLowerCase(Locale.ROOT);
            connections.put(name, sources.sessions().active(transport));
            perSecond.put(name, oneDecimal(deliveryRates.get(transport).perSecond()));
            sent.put(name, sources.delivered().sent(transport));
        }
        connections.put("pending", sources.pending().getAsInt());
        ObjectNode latencyNode = body.putObject("delivery_latency_ms")
                .put("window_seconds", LatencyWindow.WINDOW_SECONDS)
                .put("count", latency.count());
        putQuantile(latencyNode, "p50", latency.quantileMillis(0.5));
        putQuantile(latencyNode, "p99", latency.quantileMillis(0.99));
        body.set("kafka", kafka());
        ObjectNode refusals = body.putObject("refusals");
        putTotals(refusals.putObject("connections"), sources.metrics().totalsBy("connections.refused", "reason"));
        putTotals(refusals.putObject("subscriptions"), sources.metrics().totalsBy("subscriptions.refused", "reason"));
        putTotals(body.putObject("disconnects"), sources.metrics().totalsBy("disconnects", "reason"));
        body.set("topics", topics());
        return body;
    }

    private ObjectNode kafka() {
        KafkaStatus status = sources.kafka().get();
        ObjectNode kafka = Json.object()
                .put("reachable", status.reachable())
                .put("messages_consumed", status.messagesConsumed());
        ArrayNode partitions = kafka.putArray("partitions");
        for (PartitionProgress progress : sources.partitions().get()) {
            partitions.addObject()
                    .put("topic", progress.topic())
                    .put("partition", progress.partition())
                    .put("position", progress.position())
                    .put("lag", progress.lag());
        }
        return kafka;
    }

    private ArrayNode topics() {
        Map<String, Integer> subscribers = sources.index().countsByTopic();
        List<String> inKafka = sources.kafka().get().topics();
        ArrayNode topics = Json.MAPPER.createArrayNode();
        for (TopicDefinition topic : sources.registry().topics()) {
            ObjectNode node = topics.addObject()
                    .put("name", topic.name())
                    .put("mode", topic.mode().name().toLowerCase(Locale.ROOT))
                    .put("default", topic.defaultTopic())
                    .put("tenant_scoped", topic.tenantScoped())
                    .put("in_kafka", inKafka.contains(topic.name()))
                    .put("subscribers", subscribers.getOrDefault(topic.name(), 0))
                    .put("messages_per_second", oneDecimal(topicRates.get(topic.name()).perSecond()));
            ArrayNode roles = node.putArray("required_roles");
            topic.requiredRoles().forEach(roles::add);
            node.put("key_field", topic.keyField());
            if (topic.tenantScoped()) {
                node.putObject("tenant_source")
                        .put("kind", topic.tenantSource().kind().name().toLowerCase(Locale.ROOT))
                        .put("name", topic.tenantSource().name());
            } else {
                node.putNull("tenant_source");
            }
        }
        return topics;
    }

    private static void putQuantile(ObjectNode node, String name, OptionalDouble millis) {
        if (millis.isPresent()) {
            node.put(name, oneDecimal(millis.getAsDouble()));
        } else {
            node.putNull(name);
        }
    }

    private static void putTotals(ObjectNode node, Map<String, Long> totals) {
        totals.forEach(node::put);
    }

    private static double oneDecimal(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
