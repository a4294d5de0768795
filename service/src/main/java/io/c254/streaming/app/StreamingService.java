package io.c254.streaming.app;

import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.RemoteKeys;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigException;
import io.c254.streaming.entitlements.Entitlements;
import io.c254.streaming.entitlements.LayeredEntitlements;
import io.c254.streaming.entitlements.RemoteEntitlements;
import io.c254.streaming.entitlements.RoleEntitlements;
import io.c254.streaming.http.AdminEndpoints;
import io.c254.streaming.http.HttpServer;
import io.c254.streaming.http.Routes;
import io.c254.streaming.hub.FanOut;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.ingest.KafkaIngest;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.ConnectionRateLimits;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Subscriptions;
import io.c254.streaming.transport.ConnectionGate;
import io.c254.streaming.transport.CorsPolicy;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.Json;
import io.c254.streaming.transport.sse.SseControl;
import io.c254.streaming.transport.sse.SseStream;
import io.c254.streaming.transport.ws.WebSocketUpgrade;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The one place that builds and wires the service: Kafka → ingest → hub → transports → clients. */
public final class StreamingService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamingService.class);
    /** How long closing clients get to receive their close frame before the event loops stop. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    private final KafkaIngest ingest;
    private final HttpServer server;
    private final SessionRegistry sessions;
    private final ScheduledExecutorService housekeeping;
    private final ExecutorService blocking;

    private StreamingService(KafkaIngest ingest, HttpServer server, SessionRegistry sessions,
                             ScheduledExecutorService housekeeping, ExecutorService blocking) {
        this.ingest = ingest;
        this.server = server;
        this.sessions = sessions;
        this.housekeeping = housekeeping;
        this.blocking = blocking;
    }

    public static StreamingService start(Config config) throws InterruptedException {
        TopicRegistry registry = TopicRegistry.load(config);
        SslContext tls = tls(config);
        // token checks may fetch keys: they run here, never on an event loop
        ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("housekeeping").daemon().factory());

        SubscriptionIndex index = new SubscriptionIndex();
        FanOut fanOut = new FanOut(index, PooledByteBufAllocator.DEFAULT);
        SessionRegistry sessions = new SessionRegistry(config.limits());
        Subscriptions subscriptions = new Subscriptions(registry, entitlements(config), index, config.limits().maxSubscriptionsPerConnection());
        RemoteKeys keys = new RemoteKeys(config.auth().serviceUrl(), config.auth().keysRefreshInterval());
        Authenticator authenticator = Authenticator.from(config, keys, blocking);
        DeliveryStats delivered = new DeliveryStats();
        HttpReplies replies = new HttpReplies(new CorsPolicy(config.isLocal(), config.allowedOrigins()));
        ConnectionGate gate = new ConnectionGate(authenticator, sessions, new ConnectionRateLimits(config.rates()), replies);
        Filter.Limits filterLimits = new Filter.Limits(config.limits().maxFilterFields(), config.limits().maxFilterValues());

        KafkaIngest ingest = new KafkaIngest(config.kafka(), config.instanceId(), registry, fanOut, Json.MAPPER);
        AdminEndpoints admin = new AdminEndpoints(sessions, index, delivered, ingest::status, authenticator, replies);
        Routes routes = new Routes(
                new WebSocketUpgrade(gate, authenticator, sessions, subscriptions, delivered, replies, config),
                new SseStream(gate, sessions, subscriptions, delivered, replies, config.heartbeatInterval(), filterLimits),
                new SseControl(authenticator, sessions, subscriptions, replies, filterLimits),
                admin,
                replies);
        HttpServer server = HttpServer.start(config.bindAddress(), config.port(), routes, config.limits().maxBodyBytes(),
                config.limits().maxClientBufferBytes(), tls);
        admin.startSampling(server.workers().next());
        ingest.start();
        scheduleHousekeeping(config, housekeeping, sessions, subscriptions, keys);
        log.info("streaming service started on port {} (env {}, Kafka {})", server.port(),
                config.environment().name().toLowerCase(), config.kafka().bootstrapServers());
        return new StreamingService(ingest, server, sessions, housekeeping, blocking);
    }

    private static Entitlements entitlements(Config config) {
        Entitlements roles = new RoleEntitlements();
        return config.entitlements().serviceUrl().isPresent()
                ? new LayeredEntitlements(roles, new RemoteEntitlements(config.entitlements()))
                : roles;
    }

    /** Revocation sweeps over live subscriptions, and signing-key refreshes (outside local mode, where no auth service need run). */
    private static void scheduleHousekeeping(Config config, ScheduledExecutorService housekeeping, SessionRegistry sessions,
                                             Subscriptions subscriptions, RemoteKeys keys) {
        long recheck = config.entitlements().recheckInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(() -> sessions.sessions().forEach(subscriptions::recheck), recheck, recheck, TimeUnit.MILLISECONDS);
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
    public void close() throws InterruptedException {
        server.stopAccepting();
        // clients learn why they were cut off (WebSocket 1001, SSE error event) and may reconnect elsewhere
        sessions.sessions().forEach(session -> session.connection().close(CloseReason.GOING_AWAY));
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        while (!sessions.sessions().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        housekeeping.shutdownNow();
        ingest.close();
        server.close();
        blocking.shutdownNow();
        log.info("streaming service stopped");
    }
}
