package io.c254.streaming.config;

import io.c254.streaming.config.Config.AuthSettings;
import io.c254.streaming.config.Config.ConnectionLimits;
import io.c254.streaming.config.Config.EntitlementSettings;
import io.c254.streaming.config.Config.Environment;
import io.c254.streaming.config.Config.KafkaSettings;
import io.c254.streaming.config.Config.OffsetReset;
import io.c254.streaming.config.Config.PendingLimits;
import io.c254.streaming.config.Config.RateLimits;
import io.c254.streaming.config.Config.TlsSettings;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads {@link Config} from environment variables; every bad value is a {@link ConfigException} naming its variable. */
public final class ConfigLoader {

    /** `ACCESS_KAFKA_PROPERTY_SASL_MECHANISM=PLAIN` becomes the Kafka client property `sasl.mechanism=PLAIN`. */
    public static final String KAFKA_PROPERTY_PREFIX = "ACCESS_KAFKA_PROPERTY_";

    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9._\\-\\[\\]:]+:\\d{1,5}");
    private static final int MIN_HMAC_SECRET_BYTES = 32;
    private static final List<String> ASYMMETRIC_ALGORITHMS =
            List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");

    private final Map<String, String> env;
    /** Every variable name the loader has looked up: a name it never looks up has no effect. */
    private final Set<String> read = new TreeSet<>();

    private ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    public static Config load(Map<String, String> env) {
        return new ConfigLoader(env).load();
    }

    /** Every ACCESS_* variable the service reads (besides the ACCESS_KAFKA_PROPERTY_* pass-through). */
    public static Set<String> variables() {
        // every lookup is unconditional, so loading the defaults looks up every name
        ConfigLoader loader = new ConfigLoader(Map.of());
        loader.load();
        return Collections.unmodifiableSet(loader.read);
    }

    /**
     * The ACCESS_* variables of this environment that the service does not read: most likely misspelt,
     * and then silently replaced by their default. Start-up warns of each.
     */
    public static Set<String> unknownVariables(Map<String, String> env) {
        Set<String> known = variables();
        Set<String> unknown = new TreeSet<>();
        env.keySet().stream()
                .filter(name -> name.startsWith("ACCESS_") && !name.startsWith(KAFKA_PROPERTY_PREFIX) && !known.contains(name))
                .forEach(unknown::add);
        return unknown;
    }

    private Config load() {
        return new Config(
                environment(),
                choice("ACCESS_LOG_LEVEL", "info", List.of("trace", "debug", "info", "warn", "error")),
                text("ACCESS_BIND_ADDRESS", "0.0.0.0"),
                integer("ACCESS_PORT", 8001, 0, 65_535),
                kafka(),
                auth(),
                entitlements(),
                url("ACCESS_METRICS_ENDPOINT", "http://localhost:8012"),
                registryFile(),
                limits(),
                pending(),
                rates(),
                tls(),
                Duration.ofSeconds(integer("ACCESS_HEARTBEAT_TIMEOUT", 30, 1, 86_400)),
                Duration.ofSeconds(integer("ACCESS_DRAIN_SECONDS", 20, 0, 3_600)),
                bool("ACCESS_ENABLE_TRACING", false),
                origins(),
                text("ACCESS_INSTANCE_ID", env.getOrDefault("HOSTNAME", "local")),
                new Config.DeliverySettings(
                        integer("ACCESS_EVENT_LOOPS", Runtime.getRuntime().availableProcessors(), 1, 256),
                        Duration.ofMillis(integer("ACCESS_WRITE_COALESCING_MS", 5, 0, 1_000)),
                        integer("ACCESS_REPLAY_READERS", 2, 1, 64),
                        integer("ACCESS_REPLAY_RECORDS_PER_SECOND", 20_000, 1, 10_000_000),
                        integer("ACCESS_SNAPSHOT_MAX_KEYS", 100_000, 0, 100_000_000),
                        integer("ACCESS_SNAPSHOT_MAX_BYTES", 64 * 1024 * 1024, 0, Integer.MAX_VALUE)));
    }

    private Environment environment() {
        String raw = text("ACCESS_ENV", "local").toLowerCase(Locale.ROOT);
        return switch (raw) {
            case "local" -> Environment.LOCAL;
            case "dev", "development" -> Environment.DEVELOPMENT;
            case "staging" -> Environment.STAGING;
            case "prod", "production" -> Environment.PRODUCTION;
            default -> throw new ConfigException("ACCESS_ENV",
                    "expected one of local, development, staging, production but was '" + raw + "'");
        };
    }

    private KafkaSettings kafka() {
        String bootstrap = text("ACCESS_KAFKA_BOOTSTRAP", "localhost:9092");
        for (String server : bootstrap.split(",")) {
            if (!HOST_PORT.matcher(server.trim()).matches() || port(server.trim()) > 65_535) {
                throw new ConfigException("ACCESS_KAFKA_BOOTSTRAP",
                        "expected a comma-separated list of host:port but was '" + bootstrap + "'");
            }
        }
        String reset = choice("ACCESS_KAFKA_AUTO_OFFSET_RESET", "latest", List.of("latest", "earliest"));
        return new KafkaSettings(
                bootstrap,
                text("ACCESS_KAFKA_GROUP_ID", "streaming-service"),
                OffsetReset.valueOf(reset.toUpperCase(Locale.ROOT)),
                bool("ACCESS_KAFKA_ENABLE_AUTO_COMMIT", true),
                integer("ACCESS_KAFKA_MAX_POLL_RECORDS", 100, 1, 100_000),
                kafkaClientProperties());
    }

    private Map<String, String> kafkaClientProperties() {
        Map<String, String> properties = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(KAFKA_PROPERTY_PREFIX) && name.length() > KAFKA_PROPERTY_PREFIX.length()) {
                String property = name.substring(KAFKA_PROPERTY_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                properties.put(property, value);
            }
        });
        return Map.copyOf(properties);
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private AuthSettings auth() {
        List<String> algorithms = list("ACCESS_JWT_ALGORITHMS", "RS256,ES256,PS256");
        for (String algorithm : algorithms) {
            if (!ASYMMETRIC_ALGORITHMS.contains(algorithm)) {
                throw new ConfigException("ACCESS_JWT_ALGORITHMS",
                        "expected asymmetric algorithms from " + ASYMMETRIC_ALGORITHMS + " but found '" + algorithm
                                + "' (HS256 is enabled by ACCESS_JWT_SECRET; 'none' never is)");
            }
        }
        return new AuthSettings(
                url("ACCESS_AUTH_SERVICE_URL", "http://localhost:8010"),
                jwtSecret(),
                optional("ACCESS_JWT_ISSUER"),
                optional("ACCESS_JWT_AUDIENCE"),
                algorithms,
                Duration.ofSeconds(integer("ACCESS_JWT_CLOCK_SKEW_SECONDS", 30, 0, 600)),
                text("ACCESS_JWT_USER_CLAIM", "sub"),
                text("ACCESS_JWT_TENANT_CLAIM", "tenant_id"),
                text("ACCESS_JWT_ROLES_CLAIM", "roles"),
                Duration.ofSeconds(integer("ACCESS_TOKEN_EXPIRY_WARNING_SECONDS", 60, 0, 3600)),
                Duration.ofSeconds(integer("ACCESS_JWKS_REFRESH_SECONDS", 300, 10, 86_400)),
                text("ACCESS_ADMIN_ROLE", "admin"));
    }

    private EntitlementSettings entitlements() {
        Optional<String> url = optional("ACCESS_ENTITLEMENTS_SERVICE_URL").map(raw -> url("ACCESS_ENTITLEMENTS_SERVICE_URL", raw));
        Duration allowTtl = Duration.ofSeconds(integer("ACCESS_ENTITLEMENTS_ALLOW_TTL_SECONDS", 60, 1, 86_400));
        return new EntitlementSettings(
                url,
                allowTtl,
                Duration.ofSeconds(integer("ACCESS_ENTITLEMENTS_DENY_TTL_SECONDS", 10, 1, 86_400)),
                Duration.ofMillis(integer("ACCESS_ENTITLEMENTS_TIMEOUT_MS", 2000, 50, 60_000)),
                Duration.ofSeconds(integer("ACCESS_ENTITLEMENTS_RECHECK_SECONDS", (int) Math.max(1, allowTtl.toSeconds() / 2), 1, 86_400)));
    }

    private RateLimits rates() {
        int perSecond = integer("ACCESS_RATE_MESSAGES_PER_SECOND", 20, 1, 100_000);
        return new RateLimits(
                integer("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS", 120, 1, 1_000_000),
                integer("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER", 60, 1, 1_000_000),
                perSecond,
                integer("ACCESS_RATE_MESSAGE_BURST", perSecond * 2, 1, 1_000_000),
                integer("ACCESS_RATE_BREACHES_BEFORE_CLOSE", 20, 1, 1_000_000));
    }

    private Optional<TlsSettings> tls() {
        Optional<String> cert = optional("ACCESS_TLS_CERT_FILE");
        Optional<String> key = optional("ACCESS_TLS_KEY_FILE");
        if (cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        if (cert.isEmpty() || key.isEmpty()) {
            String missing = cert.isEmpty() ? "ACCESS_TLS_CERT_FILE" : "ACCESS_TLS_KEY_FILE";
            throw new ConfigException(missing, "expected a PEM file: TLS needs both ACCESS_TLS_CERT_FILE and ACCESS_TLS_KEY_FILE");
        }
        return Optional.of(new TlsSettings(readableFile("ACCESS_TLS_CERT_FILE", cert.get()), readableFile("ACCESS_TLS_KEY_FILE", key.get())));
    }

    private static Path readableFile(String name, String raw) {
        Path path = Path.of(raw);
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new ConfigException(name, "expected a readable PEM file but '" + raw + "' is not one");
        }
        return path;
    }

    private Optional<String> optional(String name) {
        return Optional.ofNullable(text(name, null));
    }

    private List<String> list(String name, String fallback) {
        return Arrays.stream(text(name, fallback).split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    private Optional<String> jwtSecret() {
        String secret = raw("ACCESS_JWT_SECRET");
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_HMAC_SECRET_BYTES) {
            throw new ConfigException("ACCESS_JWT_SECRET",
                    "expected at least " + MIN_HMAC_SECRET_BYTES + " bytes for HS256 (RFC 7518 section 3.2)");
        }
        return Optional.of(secret);
    }

    private Optional<Path> registryFile() {
        String raw = raw("ACCESS_TOPIC_REGISTRY_FILE");
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        Path path = Path.of(raw);
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new ConfigException("ACCESS_TOPIC_REGISTRY_FILE", "expected a readable YAML file but '" + raw + "' is not one");
        }
        return Optional.of(path);
    }

    private PendingLimits pending() {
        return new PendingLimits(
                Duration.ofMillis(integer("ACCESS_REQUEST_TIMEOUT_MS", 10_000, 100, 600_000)),
                Duration.ofMillis(integer("ACCESS_HANDSHAKE_TIMEOUT_MS", 10_000, 100, 600_000)),
                Duration.ofMillis(integer("ACCESS_KEEPALIVE_TIMEOUT_MS", 60_000, 100, 3_600_000)),
                integer("ACCESS_MAX_PENDING_CONNECTIONS", 1_000, 1, 1_000_000),
                integer("ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS", 64, 1, 1_000_000));
    }

    private ConnectionLimits limits() {
        return new ConnectionLimits(
                integer("ACCESS_MAX_WS_CONNECTIONS", 1000, 0, 1_000_000),
                integer("ACCESS_MAX_SSE_CONNECTIONS", 500, 0, 1_000_000),
                integer("ACCESS_MAX_CONNECTIONS_PER_USER", 10, 1, 1_000_000),
                integer("ACCESS_MAX_CONNECTIONS_PER_TENANT", 100, 1, 1_000_000),
                integer("ACCESS_MAX_CLIENT_BUFFER_BYTES", 1 << 20, 16 * 1024, 1 << 30),
                integer("ACCESS_MAX_FRAME_BYTES", 64 * 1024, 1024, 16 << 20),
                integer("ACCESS_MAX_BODY_BYTES", 64 * 1024, 1024, 16 << 20),
                integer("ACCESS_MAX_SUBSCRIPTIONS_PER_CONNECTION", 50, 1, 10_000),
                integer("ACCESS_MAX_FILTER_FIELDS", 16, 1, 1_000),
                integer("ACCESS_MAX_FILTER_VALUES", 256, 1, 100_000));
    }

    private List<String> origins() {
        String raw = text("ACCESS_ALLOWED_ORIGINS", "");
        List<String> origins = Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String origin : origins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw new ConfigException("ACCESS_ALLOWED_ORIGINS",
                        "expected comma-separated origins like https://app.example.com but found '" + origin + "'");
            }
        }
        return origins;
    }

    private String raw(String name) {
        read.add(name);
        return env.get(name);
    }

    private String text(String name, String fallback) {
        String value = raw(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private int integer(String name, int fallback, int min, int max) {
        String raw = text(name, null);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the one error below
        }
        throw new ConfigException(name, "expected a whole number from " + min + " to " + max + " but was '" + raw + "'");
    }

    private boolean bool(String name, boolean fallback) {
        String raw = text(name, null);
        if (raw == null) {
            return fallback;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ConfigException(name, "expected true or false but was '" + raw + "'");
        };
    }

    private String choice(String name, String fallback, List<String> allowed) {
        String value = text(name, fallback).toLowerCase(Locale.ROOT);
        if (!allowed.contains(value)) {
            throw new ConfigException(name, "expected one of " + String.join(", ", allowed) + " but was '" + value + "'");
        }
        return value;
    }

    private String url(String name, String fallback) {
        String raw = text(name, fallback);
        try {
            URI uri = URI.create(raw);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return raw;
            }
        } catch (IllegalArgumentException ignored) {
            // falls through to the one error below
        }
        throw new ConfigException(name, "expected an http(s) URL like http://host:8010 but was '" + raw + "'");
    }
}
