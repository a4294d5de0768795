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
import io.c254.streaming.testing.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
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
        return ServiceProcess.productionLogConfig();
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
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ACCESS_ENV", "local", "ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1", "ACCESS_INSTANCE_ID", "json-logs-test"))) {
            int port = service.awaitPort();
            assertThat(service.status(port, "/health/live")).as("/health/live while running").isEqualTo(200);
            assertThat(service.stop()).isZero();
            List<JsonNode> lines = service.jsonLines();

            assertThat(lines).allSatisfy(line -> assertThat(SPEC_FIELDS).allSatisfy(field ->
                    assertThat(line.hasNonNull(field)).as("field %s in %s", field, line).isTrue()));
            assertThat(lines).allSatisfy(line -> assertThat(line.path("service").asText()).isEqualTo("streaming"));
            assertThat(lines).anySatisfy(line -> {
                assertThat(line.path("level").asText()).isEqualTo("INFO");
                assertThat(line.path("logger").asText()).isEqualTo(StreamingService.class.getName());
                assertThat(line.path("message").asText()).startsWith("streaming service started on port " + port);
            });
        }
    }

    @Test
    void startUpWarnsOfTheTestTokenInLocalModeOnlyAndOfEveryMisspeltVariable() throws Exception {
        for (String env : List.of("local", "production")) {
            try (ServiceProcess service = ServiceProcess.start(Map.of("ACCESS_ENV", env,
                    "ACCESS_JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes!", "ACCESS_MAX_WS_CONECTIONS", "5",
                    "ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1", "ACCESS_INSTANCE_ID", "json-logs-test"))) {
                service.awaitPort();
                assertThat(service.stop()).isZero();
                List<String> warnings = service.jsonLines().stream()
                        .filter(line -> line.path("logger").asText().equals(Main.class.getName()) && line.path("level").asText().equals("WARN"))
                        .map(line -> line.path("message").asText())
                        .toList();
                assertThat(warnings).as("%s mode", env).filteredOn(message -> message.contains("ACCESS_MAX_WS_CONECTIONS"))
                        .singleElement().asString().contains("no effect", "misspelt");
                List<String> testToken = service.jsonLines().stream()
                        .filter(line -> line.path("logger").asText().equals(StreamingService.class.getName()) && line.path("level").asText().equals("WARN"))
                        .map(line -> line.path("message").asText())
                        .filter(message -> message.contains("test-token")).toList();
                if (env.equals("local")) {
                    assertThat(testToken).singleElement().asString()
                            .contains("ACCESS_ENV=local", "'test-token' is accepted", "set ACCESS_ENV=production");
                } else {
                    assertThat(testToken).as("no test-token warning in production").isEmpty();
                }
            }
        }
    }

    @Test
    void accessLogLevelWarnKeepsInfoLinesOut() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ACCESS_ENV", "local", "ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1", "ACCESS_INSTANCE_ID", "json-logs-test",
                "ACCESS_LOG_LEVEL", "warn"))) {
            // comes seconds after the start-up INFO line would have been written: its absence is then telling
            service.awaitLine(json -> json.path("message").asText().startsWith("Kafka at 127.0.0.1:1 failed"));
            assertThat(service.stop()).isZero();
            List<JsonNode> lines = service.jsonLines();

            assertThat(lines).isNotEmpty();
            assertThat(lines).allSatisfy(line -> assertThat(line.path("level").asText())
                    .as("only WARN and ERROR at ACCESS_LOG_LEVEL=warn: %s", line).isIn("WARN", "ERROR"));
        }
    }
}
