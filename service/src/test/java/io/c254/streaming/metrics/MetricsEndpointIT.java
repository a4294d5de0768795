package io.c254.streaming.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each metric of /metrics moves when its event happens, and labels never name a user or a connection. */
class MetricsEndpointIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = TestKafka.uniqueTopic("metrics");
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .env("ACCESS_RATE_MESSAGES_PER_SECOND", "1")
                .env("ACCESS_RATE_MESSAGE_BURST", "2")
                .env("ACCESS_RATE_BREACHES_BEFORE_CLOSE", "3")
                .topic(TOPIC)
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static String scrape() {
        var response = server.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        return response.body();
    }

    /** The value of the first sample of this metric whose labels contain every given `key="value"`. */
    private static double value(String text, String metric, String... labels) {
        Matcher samples = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*})? ([0-9.eE+-]+|NaN)$").matcher(text);
        while (samples.find()) {
            String found = samples.group(1) == null ? "" : samples.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= found.contains(label);
            }
            if (all) {
                return Double.parseDouble(samples.group(2));
            }
        }
        return 0;
    }

    @Test
    void connectionAndMessageMetricsMoveWithTheirEvents() throws Exception {
        String before = scrape();
        String user = "metrics-" + UUID.randomUUID();
        try (WsClient ws = WsClient.connect(server.ws("/ws/stream?token=" + TestTokens.jwt(user, "tenant-m", "viewer")));
             SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            ws.nextOfType("connection_established");
            sse.nextNamed("connection_established");
            ws.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TOPIC + "\"]}}");
            ws.nextOfType("subscribed");
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TOPIC, "k", "not json");
            TestKafka.publish(TOPIC, "k", "{\"marker\":\"" + marker + "\"}");
            ws.nextData("marker", marker);

            String during = scrape();
            assertThat(value(during, "websocket_connections_total")).isEqualTo(value(before, "websocket_connections_total") + 1);
            assertThat(value(during, "sse_connections_total")).isEqualTo(value(before, "sse_connections_total") + 1);
            assertThat(value(during, "connections_active", "transport=\"websocket\"")).isEqualTo(1);
            assertThat(value(during, "connections_active", "transport=\"sse\"")).isEqualTo(1);
            assertThat(value(during, "messages_sent_total", "transport=\"websocket\""))
                    .isGreaterThan(value(before, "messages_sent_total", "transport=\"websocket\""));
            assertThat(value(during, "messages_received_total")).isGreaterThan(value(before, "messages_received_total"));
            assertThat(value(during, "subscriptions_total")).isGreaterThan(value(before, "subscriptions_total"));
            assertThat(value(during, "subscriptions_active")).isGreaterThanOrEqualTo(3);
            assertThat(value(during, "kafka_messages_consumed_total")).isGreaterThanOrEqualTo(value(before, "kafka_messages_consumed_total") + 2);
            assertThat(value(during, "kafka_records_invalid_total")).isEqualTo(value(before, "kafka_records_invalid_total") + 1);
            assertThat(value(during, "fanout_batch_duration_seconds_count")).isGreaterThan(value(before, "fanout_batch_duration_seconds_count"));
            assertThat(value(during, "delivery_latency_seconds_count")).isGreaterThan(value(before, "delivery_latency_seconds_count"));
            assertThat(value(during, "delivery_latency_seconds_max")).as("a record published a moment ago arrives in well under a minute")
                    .isLessThan(60);
            assertThat(during).as("labels name no user").doesNotContain(user).doesNotContain("conn-");

            var stats = JSON.readTree(server.get("/stats").body());
            String now = scrape();
            assertThat(stats.path("websocket").path("total_messages").asDouble())
                    .as("/stats and /metrics read the same counters").isEqualTo(value(now, "messages_sent_total", "transport=\"websocket\""));
            assertThat(stats.path("kafka").path("messages_consumed").asDouble()).isEqualTo(value(now, "kafka_messages_consumed_total"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> value(scrape(), "connections_active", "transport=\"websocket\"") == 0);
    }

    @Test
    void refusalsRateLimitsAndDisconnectsAreCountedByReason() throws Exception {
        String before = scrape();
        try (RawHttp http = RawHttp.open(server.port())) {
            assertThat(http.write(RawHttp.webSocketUpgrade("/ws/stream?token=forged")).readResponse().status()).isEqualTo(401);
        }
        try (WsClient flooder = WsClient.connect(server.ws("/ws/stream?token=" + TestTokens.jwt("flooder", "tenant-m", "viewer")))) {
            flooder.nextOfType("connection_established");
            flooder.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"no.such.topic\"]}}");
            flooder.nextOfType("error");
            // a burst of 2, then 3 refusals in a row close: 20 pings overrun it many times over
            for (int i = 0; i < 20 && !flooder.isClosed(); i++) {
                try {
                    flooder.send("{\"action\":\"ping\",\"data\":{}}");
                } catch (CompletionException | IllegalStateException closedMeanwhile) {
                    break;
                }
            }
            assertThat(flooder.awaitCloseCode(Duration.ofSeconds(10))).isEqualTo(4003);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String after = scrape();
            assertThat(value(after, "connections_refused_total", "reason=\"UNAUTHORIZED\"", "transport=\"websocket\""))
                    .isEqualTo(value(before, "connections_refused_total", "reason=\"UNAUTHORIZED\"", "transport=\"websocket\"") + 1);
            assertThat(value(after, "subscriptions_refused_total", "reason=\"UNKNOWN_TOPIC\""))
                    .isEqualTo(value(before, "subscriptions_refused_total", "reason=\"UNKNOWN_TOPIC\"") + 1);
            assertThat(value(after, "rate_limited_total", "scope=\"message\"")).isGreaterThan(value(before, "rate_limited_total", "scope=\"message\""));
            assertThat(value(after, "disconnects_total", "reason=\"RATE_LIMITED\"", "transport=\"websocket\""))
                    .isEqualTo(value(before, "disconnects_total", "reason=\"RATE_LIMITED\"", "transport=\"websocket\"") + 1);
        });
    }

    @Test
    void kafkaLagJvmAndNettyBufferMetricsAreExposed() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String text = scrape();
            assertThat(text).contains("kafka_consumer_lag{partition=\"0\",topic=\"" + TOPIC + "\"}");
            assertThat(text).contains("jvm_memory_used_bytes{", "jvm_gc_", "netty_allocator_memory_used{", "delivery_latency_seconds");
        });
    }
}
