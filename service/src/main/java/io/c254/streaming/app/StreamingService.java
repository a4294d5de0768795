package io.c254.streaming.app;

import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.config.Config;
import io.c254.streaming.http.AdminEndpoints;
import io.c254.streaming.http.HttpServer;
import io.c254.streaming.http.Routes;
import io.c254.streaming.hub.FanOut;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.ingest.KafkaIngest;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.RoleEntitlements;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.Subscriptions;
import io.c254.streaming.transport.CorsPolicy;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.Json;
import io.c254.streaming.transport.sse.SseControl;
import io.c254.streaming.transport.sse.SseStream;
import io.c254.streaming.transport.ws.WebSocketUpgrade;
import io.netty.buffer.PooledByteBufAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** The one place that builds and wires the service: Kafka → ingest → hub → transports → clients. */
public final class StreamingService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamingService.class);
    /** Request bodies are small forms and JSON objects. */
    private static final int MAX_BODY_BYTES = 64 * 1024;

    /** How long closing clients get to receive their close frame before the event loops stop. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    private final KafkaIngest ingest;
    private final HttpServer server;
    private final SessionRegistry sessions;

    private StreamingService(KafkaIngest ingest, HttpServer server, SessionRegistry sessions) {
        this.ingest = ingest;
        this.server = server;
        this.sessions = sessions;
    }

    public static StreamingService start(Config config) throws InterruptedException {
        TopicRegistry registry = TopicRegistry.load(config);
        SubscriptionIndex index = new SubscriptionIndex();
        FanOut fanOut = new FanOut(index, PooledByteBufAllocator.DEFAULT);
        SessionRegistry sessions = new SessionRegistry(config.limits());
        Subscriptions subscriptions = new Subscriptions(registry, new RoleEntitlements(), index);
        Authenticator authenticator = Authenticator.from(config);
        DeliveryStats delivered = new DeliveryStats();
        HttpReplies replies = new HttpReplies(new CorsPolicy(config.isLocal(), config.allowedOrigins()));

        KafkaIngest ingest = new KafkaIngest(config.kafka(), config.instanceId(), registry, fanOut, Json.MAPPER);
        AdminEndpoints admin = new AdminEndpoints(sessions, index, delivered, ingest::status, authenticator, replies);
        Routes routes = new Routes(
                new WebSocketUpgrade(authenticator, sessions, subscriptions, delivered, replies,
                        config.heartbeatTimeout(), config.heartbeatInterval(), config.limits().maxFrameBytes()),
                new SseStream(authenticator, sessions, subscriptions, delivered, replies, config.heartbeatInterval()),
                new SseControl(authenticator, sessions, subscriptions, replies),
                admin,
                replies);
        HttpServer server = HttpServer.start(config.bindAddress(), config.port(), routes, MAX_BODY_BYTES,
                config.limits().maxClientBufferBytes());
        admin.startSampling(server.workers().next());
        ingest.start();
        log.info("streaming service started on port {} (env {}, Kafka {})", server.port(),
                config.environment().name().toLowerCase(), config.kafka().bootstrapServers());
        return new StreamingService(ingest, server, sessions);
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
        ingest.close();
        server.close();
        log.info("streaming service stopped");
    }
}
