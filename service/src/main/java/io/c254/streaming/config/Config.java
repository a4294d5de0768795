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
        String authServiceUrl,
        String entitlementsServiceUrl,
        String metricsEndpoint,
        Optional<String> jwtSecret,
        Optional<Path> topicRegistryFile,
        ConnectionLimits limits,
        Duration heartbeatTimeout,
        boolean tracingEnabled,
        List<String> allowedOrigins,
        String instanceId) {

    /** Local mode accepts the well-known `test-token` and any browser origin; every deployment says `production`. */
    public boolean isLocal() {
        return environment == Environment.LOCAL;
    }

    /** Server pings (and SSE heartbeat comments) go out this often, so a live peer is never silent for a whole timeout. */
    public Duration heartbeatInterval() {
        long millis = Math.max(1_000, heartbeatTimeout.toMillis() / 3);
        return Duration.ofMillis(Math.min(millis, heartbeatTimeout.toMillis()));
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

    public record ConnectionLimits(
            int maxWebSocketConnections,
            int maxSseConnections,
            int maxConnectionsPerUser,
            int maxConnectionsPerTenant,
            int maxClientBufferBytes,
            int maxFrameBytes) {
    }
}
