package io.c254.streaming.config;

import io.c254.streaming.config.Config.Environment;
import io.c254.streaming.config.Config.OffsetReset;
import io.c254.streaming.testing.ProjectFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    private static final String SECRET_32_BYTES = "0123456789abcdef0123456789abcdef";

    @Test
    void emptyEnvironmentGivesTheSpecDefaults() {
        Config config = ConfigLoader.load(Map.of());

        assertThat(config.environment()).isEqualTo(Environment.LOCAL);
        assertThat(config.isLocal()).isTrue();
        assertThat(config.logLevel()).isEqualTo("info");
        assertThat(config.port()).isEqualTo(8001);
        assertThat(config.auth().serviceUrl()).isEqualTo("http://localhost:8010");
        // without a URL the registry's roles decide alone (local mode needs no entitlements service)
        assertThat(config.entitlements().serviceUrl()).isEmpty();
        assertThat(config.auth().algorithms()).containsExactly("RS256", "ES256", "PS256");
        assertThat(config.auth().userClaim()).isEqualTo("sub");
        assertThat(config.auth().tenantClaim()).isEqualTo("tenant_id");
        assertThat(config.auth().rolesClaim()).isEqualTo("roles");
        assertThat(config.limits().maxSubscriptionsPerConnection()).isEqualTo(50);
        assertThat(config.tls()).isEmpty();
        assertThat(config.metricsEndpoint()).isEqualTo("http://localhost:8012");
        assertThat(config.limits().maxWebSocketConnections()).isEqualTo(1000);
        assertThat(config.limits().maxSseConnections()).isEqualTo(500);
        assertThat(config.limits().maxConnectionsPerUser()).isEqualTo(10);
        assertThat(config.limits().maxConnectionsPerTenant()).isEqualTo(100);
        assertThat(config.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.tracingEnabled()).isFalse();
        assertThat(config.auth().jwtSecret()).isEmpty();
        assertThat(config.topicRegistryFile()).isEmpty();
        assertThat(config.allowedOrigins()).isEmpty();
        assertThat(config.delivery().eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.delivery().writeCoalescing()).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void theDefencesAgainstSlowClientsHaveTheReadmesDefaultsAndCanBeSet() {
        assertThat(ConfigLoader.load(Map.of()).pending()).isEqualTo(new Config.PendingLimits(
                Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60), 1000, 64));
        assertThat(ConfigLoader.load(Map.of(
                "ACCESS_REQUEST_TIMEOUT_MS", "2500",
                "ACCESS_HANDSHAKE_TIMEOUT_MS", "4000",
                "ACCESS_KEEPALIVE_TIMEOUT_MS", "30000",
                "ACCESS_MAX_PENDING_CONNECTIONS", "5000",
                "ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS", "500")).pending()).isEqualTo(new Config.PendingLimits(
                Duration.ofMillis(2500), Duration.ofSeconds(4), Duration.ofSeconds(30), 5000, 500));
    }

    @Test
    void theConsolesAdminRoleIsAdminUnlessSet() {
        assertThat(ConfigLoader.load(Map.of()).auth().adminRole()).isEqualTo("admin");
        assertThat(ConfigLoader.load(Map.of("ACCESS_ADMIN_ROLE", " operator ")).auth().adminRole()).isEqualTo("operator");
    }

    @Test
    void emptyEnvironmentGivesTheSpecKafkaDefaults() {
        Config.KafkaSettings kafka = ConfigLoader.load(Map.of()).kafka();

        assertThat(kafka.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(kafka.groupIdPrefix()).isEqualTo("streaming-service");
        assertThat(kafka.autoOffsetReset()).isEqualTo(OffsetReset.LATEST);
        assertThat(kafka.enableAutoCommit()).isTrue();
        assertThat(kafka.maxPollRecords()).isEqualTo(100);
        assertThat(kafka.clientProperties()).isEmpty();
    }

    @Test
    void blankValuesFallBackToDefaults() {
        Config config = ConfigLoader.load(Map.of("ACCESS_PORT", "  ", "ACCESS_ENV", ""));

        assertThat(config.port()).isEqualTo(8001);
        assertThat(config.environment()).isEqualTo(Environment.LOCAL);
    }

    @Test
    void setValuesOverrideDefaults() {
        Config config = ConfigLoader.load(Map.of(
                "ACCESS_ENV", "production",
                "ACCESS_PORT", " 9000 ",
                "ACCESS_MAX_WS_CONNECTIONS", "0",
                "ACCESS_HEARTBEAT_TIMEOUT", "5",
                "ACCESS_ENABLE_TRACING", "TRUE",
                "ACCESS_KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9093",
                "ACCESS_KAFKA_AUTO_OFFSET_RESET", "earliest",
                "ACCESS_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:3000",
                "ACCESS_JWT_SECRET", SECRET_32_BYTES));

        assertThat(config.isLocal()).isFalse();
        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.limits().maxWebSocketConnections()).isZero();
        assertThat(config.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.tracingEnabled()).isTrue();
        assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9093");
        assertThat(config.kafka().autoOffsetReset()).isEqualTo(OffsetReset.EARLIEST);
        assertThat(config.allowedOrigins()).containsExactly("https://app.example.com", "http://localhost:3000");
        assertThat(config.auth().jwtSecret()).contains(SECRET_32_BYTES);
    }

    @Test
    void eventLoopsAndWriteCoalescingAreSet() {
        Config config = ConfigLoader.load(Map.of("ACCESS_EVENT_LOOPS", "3", "ACCESS_WRITE_COALESCING_MS", "0"));

        assertThat(config.delivery().eventLoops()).isEqualTo(3);
        assertThat(config.delivery().writeCoalescing()).isZero();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "ACCESS_PORT|abc",
            "ACCESS_PORT|65536",
            "ACCESS_MAX_WS_CONNECTIONS|-1",
            "ACCESS_MAX_SSE_CONNECTIONS|many",
            "ACCESS_MAX_CONNECTIONS_PER_USER|0",
            "ACCESS_HEARTBEAT_TIMEOUT|0",
            "ACCESS_ENV|moon",
            "ACCESS_LOG_LEVEL|loud",
            "ACCESS_KAFKA_BOOTSTRAP|nohostport",
            "ACCESS_KAFKA_BOOTSTRAP|kafka:9092,nohostport",
            "ACCESS_KAFKA_BOOTSTRAP|kafka:99999",
            "ACCESS_AUTH_SERVICE_URL|ftp://x",
            "ACCESS_ENTITLEMENTS_SERVICE_URL|localhost:8011",
            "ACCESS_ENABLE_TRACING|maybe",
            "ACCESS_JWT_SECRET|short",
            "ACCESS_TOPIC_REGISTRY_FILE|/nonexistent",
            "ACCESS_KAFKA_AUTO_OFFSET_RESET|middle",
            "ACCESS_KAFKA_MAX_POLL_RECORDS|0",
            "ACCESS_EVENT_LOOPS|0",
            "ACCESS_WRITE_COALESCING_MS|-1",
            "ACCESS_WRITE_COALESCING_MS|1001",
            "ACCESS_REQUEST_TIMEOUT_MS|50",
            "ACCESS_HANDSHAKE_TIMEOUT_MS|soon",
            "ACCESS_KEEPALIVE_TIMEOUT_MS|0",
            "ACCESS_MAX_PENDING_CONNECTIONS|0",
            "ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS|-1",
            "ACCESS_ALLOWED_ORIGINS|notanorigin",
            "ACCESS_ALLOWED_ORIGINS|https://ok.example.com,https://bad.example.com/path"})
    void badValueFailsWithOneLineNamingTheVariable(String variable, String value) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(variable, value)))
                .isInstanceOf(ConfigException.class)
                .message()
                .startsWith(variable + ": ")
                .doesNotContain("\n", "\r");
    }

    @Test
    void badValueMessageStaysOnOneLineWhenTheValueHasLineBreaks() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ACCESS_KAFKA_BOOTSTRAP", "kafka-1:9092\nkafka-2:9092")))
                .isInstanceOf(ConfigException.class)
                .message()
                .startsWith("ACCESS_KAFKA_BOOTSTRAP: ")
                .doesNotContain("\n", "\r");
    }

    @Test
    void badValueMessageShowsTheValueGiven() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ACCESS_PORT", "abc")))
                .hasMessageContaining("'abc'");
    }

    @Test
    void jwtSecretNeedsAtLeast32Bytes() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ACCESS_JWT_SECRET", SECRET_32_BYTES.substring(1))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ACCESS_JWT_SECRET: ")
                .hasMessageNotContaining(SECRET_32_BYTES.substring(1));
        assertThat(ConfigLoader.load(Map.of("ACCESS_JWT_SECRET", SECRET_32_BYTES)).auth().jwtSecret()).contains(SECRET_32_BYTES);
    }

    @Test
    void registryFileThatIsADirectoryIsRejected(@TempDir Path directory) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("ACCESS_TOPIC_REGISTRY_FILE", directory.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("ACCESS_TOPIC_REGISTRY_FILE: ");
    }

    @Test
    void readableRegistryFileIsAccepted(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("topics.yaml"), "topics: []\n");

        assertThat(ConfigLoader.load(Map.of("ACCESS_TOPIC_REGISTRY_FILE", file.toString())).topicRegistryFile()).contains(file);
    }

    @Test
    void kafkaPropertyVariablesPassThroughAsClientProperties() {
        Config config = ConfigLoader.load(Map.of(
                "ACCESS_KAFKA_PROPERTY_SECURITY_PROTOCOL", "SASL_SSL",
                "ACCESS_KAFKA_PROPERTY_SASL_MECHANISM", "PLAIN",
                "ACCESS_KAFKA_BOOTSTRAP", "broker:9092"));

        assertThat(config.kafka().clientProperties())
                .containsExactlyInAnyOrderEntriesOf(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"));
    }

    @Test
    void aMisspeltOrForeignAccessVariableIsReportedAndNothingElse() {
        assertThat(ConfigLoader.unknownVariables(Map.of(
                "ACCESS_MAX_WS_CONECTIONS", "5",
                "ACCESS_PORT", "9000",
                "ACCESS_KAFKA_PROPERTY_SASL_MECHANISM", "PLAIN",
                "ACCESS_TLS_KEY_FILE", "/etc/tls/key.pem",
                "HOME", "/home/streaming")))
                .containsExactly("ACCESS_MAX_WS_CONECTIONS");
        assertThat(ConfigLoader.unknownVariables(Map.of())).isEmpty();
    }

    @Test
    void theVariablesTheServiceReadsAreExactlyThoseTheReadmeConfigurationTableDocuments() throws Exception {
        String readme = Files.readString(ProjectFiles.root().resolve("README.md"));
        String table = readme.substring(readme.indexOf("\n## Configuration\n"));
        table = table.substring(0, table.indexOf("\n## ", 1));
        Set<String> documented = new TreeSet<>();
        Matcher names = Pattern.compile("`(ACCESS_[A-Z_]+)`").matcher(table);
        while (names.find()) {
            documented.add(names.group(1));
        }

        assertThat(ConfigLoader.variables()).containsExactlyInAnyOrderElementsOf(documented)
                .contains("ACCESS_ENV", "ACCESS_PORT", "ACCESS_JWT_SECRET", "ACCESS_TOPIC_REGISTRY_FILE", "ACCESS_TLS_KEY_FILE");
    }
}
