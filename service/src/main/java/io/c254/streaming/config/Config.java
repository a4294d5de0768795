package io.c254.streaming.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the service reads from its environment, parsed and validated once at start-up.
 * Nothing else in the service reads the environment.
 */
public record Config(
        Environment environment,
        String logLevel,
        String bindAddress,
        int port,
        KafkaSettings kafka,
        AuthSettings auth,
        EntitlementSettings entitlements,
        String metricsEndpoint,
        Optional<Path> topicRegistryFile,
        ConnectionLimits limits,
        PendingLimits pending,
        RateLimits rates,
        Optional<TlsSettings> tls,
        Duration heartbeatTimeout,
        Duration drainTimeout,
        boolean tracingEnabled,
        List<String> allowedOrigins,
        String instanceId,
        DeliverySettings delivery) {

    /** Local mode accepts the well-known `test-token` and any browser origin; every deployment says `production`. */
    public boolean isLocal() {
        return environment == Environment.LOCAL;
    }

    /** Server pings (and SSE heartbeat comments) go out this often, so a live peer is never silent for a whole timeout. */
    public Duration heartbeatInterval() {
        long millis = Math.max(1_000, heartbeatTimeout.toMillis() / 3);
        return Duration.ofMillis(Math.min(millis, heartbeatTimeout.toMillis()));
    }

    /**
     * How the fan-out uses the machine.
     *
     * @param eventLoops      threads that own connections, match their subscriptions and write them (one per core)
     * @param writeCoalescing the least time between two write turns of an event loop: records that arrive faster are
     *                        written together, one flush per connection, adding at most this much latency (zero: never wait)
     * @param replayReaders   Kafka consumers that read what resuming clients missed, each one resume at a time
     * @param replayRate      records a second the replay readers may read together, so that a reconnect storm
     *                        cannot starve live delivery
     * @param snapshotMaxKeys  values of each `latest` topic kept for new subscribers (0: no snapshots)
     * @param snapshotMaxBytes bytes of values of each `latest` topic kept for new subscribers
     */
    public record DeliverySettings(int eventLoops, Duration writeCoalescing, int replayReaders, int replayRate,
                                   int snapshotMaxKeys, long snapshotMaxBytes) {
    }

    public enum Environment {
        LOCAL, DEVELOPMENT, STAGING, PRODUCTION;
    }

    public enum OffsetReset {
        LATEST, EARLIEST;
    }

    public record KafkaSettings(
            String bootstrapServers,
            String groupIdPrefix,
            OffsetReset autoOffsetReset,
            boolean enableAutoCommit,
            int maxPollRecords,
            Map<String, String> clientProperties) {
    }

    /**
     * How tokens are verified: keys from the auth service (OIDC discovery or a JWKS URL) for asymmetric
     * algorithms, and/or a shared HMAC secret; which claims hold the user, tenant and roles.
     *
     * @param serviceUrl     an OpenID Connect issuer (discovery) or a direct JWKS URL
     * @param rolesClaim     a claim name or a dotted path such as realm_access.roles
     * @param expiryWarning  how long before `exp` a live connection is told its token expires
     */
    public record AuthSettings(
            String serviceUrl,
            Optional<String> jwtSecret,
            Optional<String> issuer,
            Optional<String> audience,
            List<String> algorithms,
            Duration clockSkew,
            String userClaim,
            String tenantClaim,
            String rolesClaim,
            Duration expiryWarning,
            Duration keysRefreshInterval,
            String adminRole) {
    }

    /**
     * The remote entitlements service; without a URL the topic registry's roles decide alone.
     *
     * @param recheckInterval how often live subscriptions are checked again (revocation)
     */
    public record EntitlementSettings(
            Optional<String> serviceUrl,
            Duration allowTtl,
            Duration denyTtl,
            Duration timeout,
            Duration recheckInterval) {
    }

    public record ConnectionLimits(
            int maxWebSocketConnections,
            int maxSseConnections,
            int maxConnectionsPerUser,
            int maxConnectionsPerTenant,
            int maxClientBufferBytes,
            int maxFrameBytes,
            int maxBodyBytes,
            int maxSubscriptionsPerConnection,
            int maxFilterFields,
            int maxFilterValues) {
    }

    /**
     * What a connection may take before its stream starts, so that clients that connect and then send
     * slowly or nothing (slowloris) cannot hold the instance's sockets.
     *
     * @param requestTimeout   a whole request (TLS handshake, line, headers, body) must arrive within this of the
     *                         connection opening, or of its first byte on a kept-alive connection
     * @param handshakeTimeout a stream request must be admitted (token, limits) and started within this of arriving
     * @param keepAliveTimeout a kept-alive HTTP connection with no request under way is closed after this
     * @param maxPending       connections of the instance that are not (yet) streams
     * @param maxPendingPerAddress connections of one client address that are not (yet) streams
     */
    public record PendingLimits(
            Duration requestTimeout,
            Duration handshakeTimeout,
            Duration keepAliveTimeout,
            int maxPending,
            int maxPendingPerAddress) {
    }

    /**
     * Token-bucket rates. Connection attempts are counted per client address and per user; inbound
     * WebSocket messages per connection. A connection refused this many times in a row is closed.
     */
    public record RateLimits(
            int connectsPerMinutePerAddress,
            int connectsPerMinutePerUser,
            int messagesPerSecond,
            int messageBurst,
            int breachesBeforeClose) {
    }

    /** PEM files for HTTPS and WSS on the listening port. */
    public record TlsSettings(Path certificateFile, Path privateKeyFile) {
    }
}
