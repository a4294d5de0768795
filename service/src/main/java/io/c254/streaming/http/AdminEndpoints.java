package io.c254.streaming.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.ingest.KafkaStatus;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.Json;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * `/health`, its Kubernetes probes `/health/live` and `/health/ready`, `/stats` and `/metrics`: what an
 * operator asks of a running instance.
 */
public final class AdminEndpoints {

    private final SessionRegistry sessions;
    private final SubscriptionIndex index;
    private final DeliveryStats delivered;
    private final Supplier<KafkaStatus> kafka;
    private final Authenticator authenticator;
    private final HttpReplies replies;
    private final StreamingMetrics metrics;
    /** ok, down (the service stopped answering) or not_configured (registry roles only). */
    private final Supplier<String> entitlements;
    private final BuildInfo build = BuildInfo.load();
    private final long startedNanos = System.nanoTime();
    private final Map<Transport, Throughput> rates = new EnumMap<>(Transport.class);
    private final Readiness readiness;

    public AdminEndpoints(SessionRegistry sessions, SubscriptionIndex index, DeliveryStats delivered,
                          Supplier<KafkaStatus> kafka, Authenticator authenticator, Supplier<String> entitlements,
                          HttpReplies replies, StreamingMetrics metrics) {
        this.metrics = metrics;
        this.entitlements = entitlements;
        this.sessions = sessions;
        this.index = index;
        this.delivered = delivered;
        this.kafka = kafka;
        this.authenticator = authenticator;
        this.replies = replies;
        this.readiness = new Readiness(kafka);
        for (Transport transport : Transport.values()) {
            rates.put(transport, new Throughput(() -> delivered.sent(transport)));
        }
    }

    /** Samples the message rates once a second on the given executor (an event loop: the sampling never blocks). */
    public void startSampling(EventExecutor timer) {
        timer.scheduleAtFixedRate(() -> rates.values().forEach(Throughput::sample), 0, 1, TimeUnit.SECONDS);
    }

    /** The delivery rates per transport /stats shows; the console's overview shows the same. */
    Map<Transport, Throughput> deliveryRates() {
        return rates;
    }

    BuildInfo build() {
        return build;
    }

    long uptimeSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    }

    /**
     * Makes `/health/ready` answer 503 from now on, so that load balancers send new clients elsewhere
     * while this instance closes its streams. There is no way back: draining is the start of shutdown.
     */
    public void startDraining() {
        readiness.startDraining();
    }

    /** Liveness: the process answers HTTP. Nothing outside it counts, or a Kafka outage would restart every pod. */
    void onLive(ChannelHandlerContext ctx, FullHttpRequest request) {
        replies.json(ctx, request, HttpResponseStatus.OK, Json.object().put("status", "ok"));
    }

    void onReady(ChannelHandlerContext ctx, FullHttpRequest request) {
        readiness.check().ifPresentOrElse(
                notReady -> replies.json(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        Json.object().put("status", "not_ready").put("reason", notReady.reason())),
                () -> replies.json(ctx, request, HttpResponseStatus.OK, Json.object().put("status", "ready")));
    }

    /**
     * `down` (503) while draining: this instance is going away. `degraded` (200) while a dependency
     * fails: Kafka unreachable or without partitions, no fresh signing keys, the entitlements service
     * not answering; streams that are open may still work. `ok` otherwise.
     */
    void onHealth(ChannelHandlerContext ctx, FullHttpRequest request) {
        KafkaStatus status = kafka.get();
        String kafkaState = status.reachable() && status.assignedPartitions() > 0 ? "ok" : "down";
        String authState = authenticator.canVerify() ? "ok" : "down";
        String entitlementsState = entitlements.get();
        boolean allOk = kafkaState.equals("ok") && authState.equals("ok") && !entitlementsState.equals("down");
        String overall = readiness.draining() ? "down" : allOk ? "ok" : "degraded";
        ObjectNode body = Json.object()
                .put("service", "streaming")
                .put("status", overall)
                .put("uptime_seconds", uptimeSeconds());
        body.putObject("dependencies")
                .put("kafka", kafkaState)
                .put("auth", authState)
                .put("entitlements", entitlementsState);
        body.put("version", build.version()).put("commit", build.commit());
        replies.json(ctx, request, overall.equals("down") ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, body);
    }

    void onStats(ChannelHandlerContext ctx, FullHttpRequest request) {
        ObjectNode body = Json.object();
        body.set("websocket", transportStats(Transport.WEBSOCKET));
        body.set("sse", transportStats(Transport.SSE));
        Map<String, Integer> topics = index.countsByTopic();
        ObjectNode subscriptions = body.putObject("subscriptions")
                .put("total_topics", topics.size())
                .put("active_subscriptions", topics.values().stream().mapToInt(Integer::intValue).sum());
        ObjectNode perTopic = subscriptions.putObject("topics");
        topics.forEach(perTopic::put);
        KafkaStatus status = kafka.get();
        ObjectNode kafkaNode = body.putObject("kafka").put("consumers", 1);
        ArrayNode names = kafkaNode.putArray("topics");
        status.topics().forEach(names::add);
        kafkaNode.put("messages_consumed", status.messagesConsumed())
                .put("invalid_messages_skipped", status.invalidSkipped())
                .put("records_without_tenant_dropped", status.withoutTenantDropped())
                .put("assigned_partitions", status.assignedPartitions());
        replies.json(ctx, request, HttpResponseStatus.OK, body);
    }

    private ObjectNode transportStats(Transport transport) {
        return Json.object()
                .put("total_connections", sessions.opened(transport))
                .put("active_connections", sessions.active(transport))
                .put("total_messages", delivered.sent(transport))
                .put("messages_per_second", Math.round(rates.get(transport).perSecond() * 10) / 10.0);
    }

    /** Prometheus text format: SPEC.md's names and the rest of the catalog in the README. */
    void onMetrics(ChannelHandlerContext ctx, FullHttpRequest request) {
        replies.send(ctx, request, HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
