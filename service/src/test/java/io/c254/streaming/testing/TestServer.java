package io.c254.streaming.testing;

import io.c254.streaming.app.StreamingService;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.tracing.Tracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The real service on a free loopback port, reading the shared test broker, with its own topics
 * registered (each created in Kafka first) so that tests do not see each other's records.
 */
public final class TestServer implements AutoCloseable {

    public static final String JWT_SECRET = "integration-test-secret-of-at-least-32-bytes!";
    /** How long any request of a test may take: a server that hangs fails the test, not the build. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

    private final StreamingService service;

    private TestServer(StreamingService service) {
        this.service = service;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return service.port();
    }

    public URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpResponse<String> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(http(pathAndQuery)).GET().build());
    }

    public HttpResponse<String> postForm(String path, String form) {
        return send(HttpRequest.newBuilder(http(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    /** Sends with {@link #REQUEST_TIMEOUT} unless the request has a timeout of its own. */
    public static HttpResponse<String> send(HttpRequest request) {
        return send(HTTP, request);
    }

    /** Over a given client (its own pool of kept-alive connections), with the same timeout rule. */
    public static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        HttpRequest bounded = request.timeout().isPresent() ? request
                : HttpRequest.newBuilder(request, (name, value) -> true).timeout(REQUEST_TIMEOUT).build();
        try {
            return client.send(bounded, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(request.uri().getPath() + " failed", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        service.close();
    }

    public static final class Builder {
        private final Map<String, String> env = new HashMap<>();
        private final Map<String, String> topics = new LinkedHashMap<>();
        private final java.util.Set<String> notCreated = new java.util.HashSet<>();
        private boolean awaitKafka = true;
        private Supplier<OpenTelemetrySdk> tracingSdk = Tracing::sdkFromEnvironment;

        private Builder() {
            env.put("ACCESS_ENV", "local");
            env.put("ACCESS_BIND_ADDRESS", "127.0.0.1");
            env.put("ACCESS_PORT", "0");
            env.put("ACCESS_INSTANCE_ID", "test-" + UUID.randomUUID().toString().substring(0, 8));
            env.put("ACCESS_JWT_SECRET", JWT_SECRET);
            // every connection takes the default `latest` topic, whose values other tests left in the shared broker:
            // snapshots are off unless a test of them turns them on, so that a connection's first messages are the test's
            env.put("ACCESS_SNAPSHOT_MAX_KEYS", "0");
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Registers a topic (YAML registry entry) and creates it in Kafka with one partition. */
        public Builder topic(String name, String yamlAttributes) {
            topics.put(name, yamlAttributes);
            return this;
        }

        public Builder topic(String name) {
            return topic(name, "");
        }

        /** Registers a topic without creating it in Kafka: one the registry names but Kafka does not hold (yet). */
        public Builder topicNotInKafka(String name) {
            topics.put(name, "");
            notCreated.add(name);
            return this;
        }

        /** The SDK the service traces with when ACCESS_ENABLE_TRACING is true (an in-memory exporter, say). */
        public Builder tracingSdk(Supplier<OpenTelemetrySdk> sdk) {
            tracingSdk = sdk;
            return this;
        }

        /** Returns as soon as the server listens, without waiting for Kafka: for a service whose broker is unreachable. */
        public Builder noKafkaWait() {
            awaitKafka = false;
            return this;
        }

        public TestServer start() {
            String bootstrap = TestKafka.broker().bootstrapServers();
            env.putIfAbsent("ACCESS_KAFKA_BOOTSTRAP", bootstrap);
            topics.keySet().stream().filter(name -> !notCreated.contains(name)).forEach(name -> TestKafka.broker().createTopic(name, 1));
            TestKafka.broker().createTopic(io.c254.streaming.registry.TopicRegistry.LATEST_PRICES, 1);
            try {
                if (!topics.isEmpty()) {
                    env.put("ACCESS_TOPIC_REGISTRY_FILE", registryFile().toString());
                }
                StreamingService service = StreamingService.start(ConfigLoader.load(env), tracingSdk);
                if (awaitKafka && !service.awaitKafkaAssignment(Duration.ofSeconds(30))) {
                    service.close();
                    throw new IllegalStateException("the service did not get its Kafka partitions within 30 s");
                }
                return new TestServer(service);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write the registry file", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private Path registryFile() throws IOException {
            StringBuilder yaml = new StringBuilder("topics:\n");
            topics.forEach((name, attributes) -> {
                yaml.append("  - name: ").append(name).append('\n');
                attributes.lines().filter(l -> !l.isBlank()).forEach(l -> yaml.append("    ").append(l.trim()).append('\n'));
            });
            Path file = Files.createTempFile("topics", ".yaml");
            Files.writeString(file, yaml);
            file.toFile().deleteOnExit();
            return file;
        }
    }
}
