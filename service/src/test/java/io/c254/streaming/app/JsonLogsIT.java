package io.c254.streaming.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

/**
 * The production log format (src/main/resources/logback.xml; the tests themselves log through
 * logback-test.xml): one JSON object per line on stdout with SPEC.md's field names. Checked twice:
 * the configured encoder on an event that carries everything, and the real Main in its own JVM.
 */
class JsonLogsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SPEC_FIELDS = List.of("timestamp", "level", "service", "message", "logger", "thread");

    private static URL productionConfig() {
        URL config = JsonLogsIT.class.getResource("/logback.xml");
        assertThat(config).as("the production logback.xml on the test classpath").isNotNull();
        return config;
    }

    @Test
    void anEventBecomesOneJsonLineWithSpecFieldsMdcAtTopLevelAndTheStackTrace() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(productionConfig());
        try {
            ch.qos.logback.classic.Logger logger = context.getLogger("io.c254.streaming.transport.ws.WsConnectionHandler");
            LoggingEvent event = new LoggingEvent(getClass().getName(), logger, Level.WARN,
                    "closing WebSocket connection {}", new IllegalStateException("socket reset", new IOException("broken pipe")),
                    new Object[]{"conn-456"});
            event.setMDCPropertyMap(Map.of("trace_id", "abc123", "connection_id", "conn-456",
                    "user_id", "user-123", "tenant_id", "tenant-1"));

            String line = new String(encoderOfRoot(context).encode(event), StandardCharsets.UTF_8);

            assertThat(line).endsWith("\n");
            assertThat(line.strip()).doesNotContain("\n");
            JsonNode json = JSON.readTree(line);
            assertThat(json.path("service").asText()).isEqualTo("streaming");
            assertThat(json.path("level").asText()).isEqualTo("WARN");
            assertThat(json.path("message").asText()).isEqualTo("closing WebSocket connection conn-456");
            assertThat(json.path("logger").asText()).isEqualTo("io.c254.streaming.transport.ws.WsConnectionHandler");
            assertThat(json.path("thread").asText()).isEqualTo(Thread.currentThread().getName());
            assertThat(json.path("timestamp").asText()).endsWith("Z");
            assertThat(Instant.parse(json.path("timestamp").asText())).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
            assertThat(json.path("trace_id").asText()).isEqualTo("abc123");
            assertThat(json.path("connection_id").asText()).isEqualTo("conn-456");
            assertThat(json.path("user_id").asText()).isEqualTo("user-123");
            assertThat(json.path("tenant_id").asText()).isEqualTo("tenant-1");
            assertThat(json.path("stack_trace").asText()).contains("IOException: broken pipe", "IllegalStateException: socket reset");
            // Logstash's own names would break dashboards built on SPEC.md's
            assertThat(json.has("@timestamp") || json.has("logger_name") || json.has("thread_name")).isFalse();
        } finally {
            context.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static Encoder<ILoggingEvent> encoderOfRoot(LoggerContext context) {
        var appenders = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
        assertThat(appenders.hasNext()).as("the root logger has an appender").isTrue();
        return ((OutputStreamAppender<ILoggingEvent>) appenders.next()).getEncoder();
    }

    @Test
    void theServiceWritesOnlyJsonLinesToStdout() throws Exception {
        try (Child child = Child.start(Map.of())) {
            child.awaitLine(json -> json.path("message").asText().startsWith("streaming service started"));
            List<JsonNode> lines = child.stopAndReadJsonLines();

            assertThat(lines).allSatisfy(line -> assertThat(SPEC_FIELDS).allSatisfy(field ->
                    assertThat(line.hasNonNull(field)).as("field %s in %s", field, line).isTrue()));
            assertThat(lines).allSatisfy(line -> assertThat(line.path("service").asText()).isEqualTo("streaming"));
            assertThat(lines).anySatisfy(line -> {
                assertThat(line.path("level").asText()).isEqualTo("INFO");
                assertThat(line.path("logger").asText()).isEqualTo(StreamingService.class.getName());
                assertThat(line.path("message").asText()).startsWith("streaming service started on port " + child.port);
            });
        }
    }

    @Test
    void accessLogLevelWarnKeepsInfoLinesOut() throws Exception {
        try (Child child = Child.start(Map.of("ACCESS_LOG_LEVEL", "warn"))) {
            // comes seconds after the start-up INFO line would have been written: its absence is then telling
            child.awaitLine(json -> json.path("message").asText().startsWith("Kafka at 127.0.0.1:1 failed"));
            List<JsonNode> lines = child.stopAndReadJsonLines();

            assertThat(lines).isNotEmpty();
            assertThat(lines).allSatisfy(line -> assertThat(line.path("level").asText())
                    .as("only WARN and ERROR at ACCESS_LOG_LEVEL=warn: %s", line).isIn("WARN", "ERROR"));
        }
    }

    /** Main in its own JVM with the production logging config, a Kafka that is never reachable, and stdout in a file. */
    private static final class Child implements AutoCloseable {
        private static final Duration PATIENCE = Duration.ofSeconds(60);

        private final Process process;
        private final Path stdout;
        private final Path stderr;
        private final int port;

        private Child(Process process, Path stdout, Path stderr, int port) {
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
            this.port = port;
        }

        static Child start(Map<String, String> extraEnv) throws IOException {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Path stdout = Files.createTempFile("streaming-stdout", ".log");
            Path stderr = Files.createTempFile("streaming-stderr", ".log");
            ProcessBuilder builder = new ProcessBuilder(
                    System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                    "-Dlogback.configurationFile=" + productionConfig(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName());
            // only what is set here, whatever the machine running the tests has exported
            builder.environment().keySet().removeIf(name -> name.startsWith("ACCESS_"));
            builder.environment().putAll(Map.of(
                    "ACCESS_ENV", "local",
                    "ACCESS_BIND_ADDRESS", "127.0.0.1",
                    "ACCESS_PORT", String.valueOf(port),
                    "ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1",
                    "ACCESS_INSTANCE_ID", "json-logs-test"));
            builder.environment().putAll(extraEnv);
            builder.redirectOutput(stdout.toFile());
            builder.redirectError(stderr.toFile());
            return new Child(builder.start(), stdout, stderr, port);
        }

        /** Waits for a log line that parses as JSON and matches; fails with what was written if none comes. */
        void awaitLine(Predicate<JsonNode> wanted) throws Exception {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (System.nanoTime() < deadline) {
                String written = Files.readString(stdout);
                // what follows the last newline may still be being written; every line before it must be JSON
                for (String line : written.substring(0, written.lastIndexOf('\n') + 1).lines().toList()) {
                    JsonNode json = tryParse(line);
                    assertThat(json != null && json.isObject()).as("a JSON object per stdout line, got: %s", line).isTrue();
                    if (wanted.test(json)) {
                        return;
                    }
                }
                if (!process.isAlive()) {
                    fail("the service exited with " + process.exitValue() + "; " + output());
                }
                Thread.sleep(100);
            }
            fail("no such log line within " + PATIENCE + "; " + output());
        }

        /** SIGTERM, as an orchestrator stops it; then every line written must be a JSON object. */
        List<JsonNode> stopAndReadJsonLines() throws Exception {
            assertThat(liveProbe()).as("/health/live while running").isEqualTo(200);
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the service stops on SIGTERM").isTrue();
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(stdout)) {
                JsonNode json = tryParse(line);
                assertThat(json).as("a JSON object per stdout line, got: %s", line).isNotNull();
                assertThat(json.isObject()).as("a JSON object per stdout line, got: %s", line).isTrue();
                lines.add(json);
            }
            return lines;
        }

        private String output() throws IOException {
            return "stdout:\n" + Files.readString(stdout) + "\nstderr:\n" + Files.readString(stderr);
        }

        private int liveProbe() throws Exception {
            try (HttpClient http = HttpClient.newHttpClient()) {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            }
        }

        private static JsonNode tryParse(String line) {
            try {
                return JSON.readTree(line);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            process.destroyForcibly();
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
