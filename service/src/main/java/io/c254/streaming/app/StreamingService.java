package io.c254.streaming.app;

import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.RemoteKeys;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigException;
import io.c254.streaming.entitlements.Entitlements;
import io.c254.streaming.entitlements.LayeredEntitlements;
import io.c254.streaming.entitlements.RemoteEntitlements;
import io.c254.streaming.entitlements.RoleEntitlements;
import io.c254.streaming.http.AdminAccess;
import io.c254.streaming.http.AdminEndpoints;
import io.c254.streaming.http.AdminOverview;
import io.c254.streaming.http.ConsoleEndpoints;
import io.c254.streaming.http.HttpServer;
import io.c254.streaming.http.Routes;
import io.c254.streaming.hub.FanOut;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.ingest.KafkaHistory;
import io.c254.streaming.hub.LatestValues;
import io.c254.streaming.registry.TopicMode;
import java.util.HashMap;
import java.util.Map;
import io.c254.streaming.ingest.KafkaIngest;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.ConnectionRateLimits;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.Subscriptions;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.ConnectionGate;
import io.c254.streaming.transport.CorsPolicy;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.Json;
import io.c254.streaming.transport.PendingConnections;
import io.c254.streaming.transport.sse.SseControl;
import io.c254.streaming.transport.sse.SseStream;
import io.c254.streaming.transport.ws.WebSocketUpgrade;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.c254.streaming.tracing.Tracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The one place that builds and wires the service: Kafka → ingest → hub → transports → clients. */
public final class StreamingService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamingService.class);

    private final KafkaIngest ingest;
    private final KafkaHistory history;
    private final HttpServer server;
    private final SessionRegistry sessions;
    private final ScheduledExecutorService housekeeping;
    private final ExecutorService blocking;
    private final Tracing tracing;
    private final AdminEndpoints admin;
    private final ConnectionGate gate;
    private final Duration drainTimeout;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    private StreamingService(KafkaIngest ingest, KafkaHistory history, HttpServer server, SessionRegistry sessions, ScheduledExecutorService housekeeping,
                             ExecutorService blocking, AdminEndpoints admin, ConnectionGate gate, Duration drainTimeout, Tracing tracing) {
        this.admin = admin;
        this.gate = gate;
        this.drainTimeout = drainTimeout;
        this.ingest = ingest;
        this.history = history;
        this.server = server;
        this.sessions = sessions;
        this.housekeeping = housekeeping;
        this.blocking = blocking;
        this.tracing = tracing;
    }

    public static StreamingService start(Config config) throws InterruptedException {
        return start(config, Tracing::sdkFromEnvironment);
    }

    /**
     * @param tracingSdk the OpenTelemetry SDK to trace with, asked for only when ACCESS_ENABLE_TRACING is true;
     *                   the service owns it and shuts it down (flushing its spans) on close. {@link #start(Config)}
     *                   builds it from the OTEL_* variables; an embedder or a test may bring its own exporter.
     */
    public static StreamingService start(Config config, Supplier<OpenTelemetrySdk> tracingSdk) throws InterruptedException {
        if (config.isLocal()) {
            // here rather than in Main: dev mode starts the service without Main, and must warn all the same
            log.warn("ACCESS_ENV=local: the token 'test-token' is accepted and any browser origin is allowed; set ACCESS_ENV=production in deployments");
        }
        Tracing tracing = config.tracingEnabled() ? Tracing.with(tracingSdk.get()) : Tracing.disabled();
        TopicRegistry registry = TopicRegistry.load(config);
        SslContext tls = tls(config);
        // token checks may fetch keys: they run here, never on an event loop
        ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("housekeeping").daemon().factory());

        StreamingMetrics metrics = new StreamingMetrics();
        KafkaHistory history = new KafkaHistory(config.kafka(), config.instanceId(), registry, Json.MAPPER, tracing.producerSpans(),
                config.delivery().replayReaders(), config.delivery().replayRate());
        LatestValues latestValues = latestValues(registry, config.delivery());
        SubscriptionIndex index = new SubscriptionIndex(history, latestValues);
        FanOut fanOut = new FanOut(index, PooledByteBufAllocator.DEFAULT, tracing.deliveries(), metrics::delivered,
                FanOut.DEFAULT_MAX_QUEUED_RECORDS, config.delivery().writeCoalescing());
        SessionRegistry sessions = new SessionRegistry(config.limits());
        Optional<RemoteEntitlements> remoteEntitlements = config.entitlements().serviceUrl().map(url -> new RemoteEntitlements(config.entitlements()));
        Entitlements entitlements = remoteEntitlements.<Entitlements>map(remote -> new LayeredEntitlements(new RoleEntitlements(), remote))
                .orElseGet(RoleEntitlements::new);
        Subscriptions subscriptions = new Subscriptions(registry, entitlements, index, config.limits().maxSubscriptionsPerConnection(),
                metrics);
        RemoteKeys keys = new RemoteKeys(config.auth().serviceUrl(), config.auth().keysRefreshInterval());
        Authenticator authenticator = Authenticator.from(config, keys, blocking);
        DeliveryStats delivered = new DeliveryStats();
        HttpReplies replies = new HttpReplies(new CorsPolicy(config.isLocal(), config.allowedOrigins()));
        ConnectionRateLimits connectionRates = new ConnectionRateLimits(config.rates());
        Sessions commands = new Sessions(authenticator, sessions, connectionRates, subscriptions, metrics);
        ConnectionGate gate = new ConnectionGate(commands, connectionRates, replies, metrics);
        Filter.Limits filterLimits = new Filter.Limits(config.limits().maxFilterFields(), config.limits().maxFilterValues());

        KafkaIngest ingest = new KafkaIngest(config.kafka(), config.instanceId(), registry, fanOut, latestValues, Json.MAPPER, metrics,
                tracing.producerSpans());
        Supplier<String> entitlementsHealth = () -> remoteEntitlements.map(remote -> remote.answering() ? "ok" : "down").orElse("not_configured");
        AdminEndpoints admin = new AdminEndpoints(sessions, index, delivered, ingest::status, authenticator, entitlementsHealth, replies, metrics);
        PendingConnections pending = new PendingConnections(config.pending(), metrics);
        ConsoleEndpoints console = new ConsoleEndpoints(
                new AdminAccess(authenticator, replies.cors(), config.auth().adminRole()),
                new AdminOverview.Sources(sessions, pending::count, delivered, ingest::status, ingest::partitions, ingest::recordsRead, registry,
                        index, metrics, config.isLocal()),
                admin, replies);
        exposeMetrics(metrics, sessions, index, delivered, ingest);
        for (String topic : latestValues.topics()) {
            metrics.exposeGauge("snapshot.keys", "Current values kept of a latest topic, for new subscribers", latestValues, v -> v.keys(topic), "topic", topic);
            metrics.exposeGauge("snapshot.bytes", "Bytes of current values kept of a latest topic", latestValues, v -> v.bytes(topic), "topic", topic);
            metrics.exposeCounter("snapshot.evictions", "Current values of a latest topic dropped to stay within the bounds", latestValues,
                    v -> v.evicted(topic), "topic", topic);
        }
        metrics.exposeCounter("conflated.updates", "Updates of latest topics a newer value of their key replaced before they reached the client",
                index, SubscriptionIndex::conflatedForSlowClients, "reason", "slow_consumer");
        metrics.exposeCounter("conflated.updates", "Updates of latest topics a newer value of their key replaced before they reached the client",
                index, SubscriptionIndex::conflatedForRate, "reason", "max_rate");
        metrics.exposeGauge("replay.readers.busy", "Replay readers reading for a resuming client", history, KafkaHistory::busy);
        metrics.exposeGauge("replays.waiting", "Resumes waiting for a replay reader", history, KafkaHistory::waiting);
        metrics.exposeCounter("replayed.records", "Records read again from Kafka for resuming clients", history, KafkaHistory::replayed);
        metrics.exposeCounter("fanout.stalled.seconds", "Time Kafka consumption waited for event loops that had fallen behind",
                fanOut, f -> f.stalledNanos() / 1e9);
        Routes routes = new Routes(
                new WebSocketUpgrade(gate, commands, delivered, replies, config, metrics),
                new SseStream(gate, commands, delivered, replies, config.heartbeatInterval(), filterLimits),
                new SseControl(commands, replies, filterLimits),
                admin,
                console,
                replies);
        metrics.exposeGauge("connections.pending", "Open connections that are not streams (yet): requests under way, kept-alive HTTP",
                pending, PendingConnections::count);
        HttpServer server = HttpServer.start(config.bindAddress(), config.port(), routes, pending, config.limits().maxBodyBytes(),
                config.limits().maxClientBufferBytes(), tls, config.delivery().eventLoops());
        admin.startSampling(server.workers().next());
        console.startSampling(server.workers().next());
        exposeEventLoops(metrics, server);
        history.start();
        ingest.start();
        scheduleHousekeeping(config, housekeeping, commands, keys);
        log.info("streaming service started on port {} (env {}, Kafka {})", server.port(),
                config.environment().name().toLowerCase(), config.kafka().bootstrapServers());
        return new StreamingService(ingest, history, server, sessions, housekeeping, blocking, admin, gate, config.drainTimeout(), tracing);
    }

    /** Tasks waiting on each event loop: a queue that grows means a loop that no longer keeps up. */
    private static void exposeEventLoops(StreamingMetrics metrics, HttpServer server) {
        int index = 0;
        for (EventExecutor loop : server.workers()) {
            if (loop instanceof SingleThreadEventExecutor executor) {
                metrics.exposeGauge("event.loop.pending.tasks", "Tasks waiting to run on an event loop", executor,
                        SingleThreadEventExecutor::pendingTasks, "loop", Integer.toString(index));
            }
            index++;
        }
    }

    /** The current values of every `latest` topic, bounded as configured; none when the bounds are zero. */
    private static LatestValues latestValues(TopicRegistry registry, Config.DeliverySettings delivery) {
        Map<String, String> keyFields = new HashMap<>();
        registry.topics().stream().filter(topic -> topic.mode() == TopicMode.LATEST).forEach(topic -> keyFields.put(topic.name(), topic.keyField()));
        return new LatestValues(keyFields, delivery.snapshotMaxKeys(), delivery.snapshotMaxBytes());
    }

    /**
     * Figures the service already keeps, exposed under SPEC.md's names: read when scraped, so the
     * hot path pays nothing for them. /stats reads the same sources, so the two always agree.
     */
    private static void exposeMetrics(StreamingMetrics metrics, SessionRegistry sessions, SubscriptionIndex index,
                                      DeliveryStats delivered, KafkaIngest ingest) {
        metrics.exposeCounter("websocket.connections", "WebSocket connections opened", sessions, s -> s.opened(Transport.WEBSOCKET));
        metrics.exposeCounter("sse.connections", "SSE connections opened", sessions, s -> s.opened(Transport.SSE));
        metrics.exposeCounter("kafka.messages.consumed", "Kafka records consumed", ingest, i -> i.status().messagesConsumed());
        metrics.exposeCounter("kafka.records.invalid", "Kafka records skipped: value not a JSON object", ingest,
                i -> i.status().invalidSkipped());
        metrics.exposeCounter("kafka.records.without.tenant", "Records of tenant-scoped topics dropped: no tenant named", ingest,
                i -> i.status().withoutTenantDropped());
        metrics.exposeGauge("subscriptions.active", "Active subscriptions", index,
                i -> i.countsByTopic().values().stream().mapToInt(Integer::intValue).sum());
        for (Transport transport : Transport.values()) {
            String label = transport.name().toLowerCase();
            metrics.exposeGauge("connections.active", "Open connections", sessions, s -> s.active(transport), "transport", label);
            metrics.exposeCounter("messages.sent", "Data messages written to clients", delivered, d -> d.sent(transport), "transport", label);
            for (CloseReason reason : CloseReason.values()) {
                metrics.exposeCounter("disconnects", "Connections the server ended, by reason", delivered,
                        d -> d.counter(transport).closed(reason), "transport", label, "reason", reason.name());
            }
        }
    }


    /** Revocation sweeps over live subscriptions, and signing-key refreshes (outside local mode, where no auth service need run). */
    private static void scheduleHousekeeping(Config config, ScheduledExecutorService housekeeping, Sessions sessions, RemoteKeys keys) {
        // registry roles never change while running (a token refresh re-checks its own connection):
        // only a remote service's decisions can be withdrawn, so only then do sweeps run
        if (config.entitlements().serviceUrl().isPresent()) {
            long recheck = config.entitlements().recheckInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(sessions::recheckAll, recheck, recheck, TimeUnit.MILLISECONDS);
        }
        if (!config.isLocal()) {
            long refresh = config.auth().keysRefreshInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(keys::refresh, 0, refresh, TimeUnit.MILLISECONDS);
        }
    }

    private static SslContext tls(Config config) {
        return config.tls().map(settings -> {
            try {
                return SslContextBuilder.forServer(settings.certificateFile().toFile(), settings.privateKeyFile().toFile()).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new ConfigException("ACCESS_TLS_CERT_FILE", "cannot use the certificate and key as PEM: " + e.getMessage());
            }
        }).orElse(null);
    }

    public int port() {
        return server.port();
    }

    /** Waits until the consumer has its partitions, so that records produced from now on reach subscribers. */
    public boolean awaitKafkaAssignment(Duration timeout) throws InterruptedException {
        return ingest.awaitAssignment(timeout);
    }

    @Override
    /**
     * Graceful shutdown: readiness turns false and new streams are refused, every client is told to go
     * (WebSocket 1001, an SSE `reconnect` event) and gets up to the drain time to receive what was
     * already written, then Kafka positions are committed as the consumer closes.
     */
    public void close() throws InterruptedException {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        admin.startDraining();
        gate.startDraining();
        server.stopAccepting();
        sessions.sessions().forEach(session -> session.connection().close(CloseReason.GOING_AWAY));
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (!sessions.sessions().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (!sessions.sessions().isEmpty()) {
            log.warn("{} connections still open after the drain time of {} s; closing them", sessions.sessions().size(), drainTimeout.toSeconds());
        }
        housekeeping.shutdownNow();
        history.close();
        ingest.close();
        server.close();
        // after the event loops: the last delivery spans end there
        tracing.close();
        blocking.shutdownNow();
        log.info("streaming service stopped");
    }
}
