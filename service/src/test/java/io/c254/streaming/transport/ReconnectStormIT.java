package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hundreds of clients reconnecting in the same second (an instance died, a network came back): the
 * instance admits what its limits allow, refuses the rest at once with a reason and a spread-out
 * `Retry-After`, keeps delivering to the clients it has, and is left with nothing pending afterwards.
 */
class ReconnectStormIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STORM = 400;

    @Test
    @Timeout(120)
    void aStormIsAdmittedWithinLimitsRefusedWithSpreadRetryAfterAndLiveDeliveryGoesOn() throws Exception {
        String topic = TestKafka.uniqueTopic("storm");
        try (TestServer server = TestServer.builder().topic(topic)
                .env("ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS", "32")
                .env("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS", "200")
                .start();
             WsClient steady = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            steady.nextOfType("connection_established");
            steady.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
            steady.nextOfType("subscribed");

            ExecutorService storm = Executors.newFixedThreadPool(64);
            List<Future<RawHttp.Response>> attempts = new ArrayList<>();
            List<String> markers = new ArrayList<>();
            try {
                for (int i = 0; i < STORM; i++) {
                    attempts.add(storm.submit(() -> attempt(server)));
                    if (i % 100 == 0) {
                        // records keep coming while the storm is on
                        String marker = UUID.randomUUID().toString();
                        markers.add(marker);
                        TestKafka.publish(topic, "k", "{\"marker\":\"" + marker + "\"}");
                    }
                }
                for (String marker : markers) {
                    steady.nextData("marker", marker);
                }

                Map<String, Integer> outcomes = new TreeMap<>();
                TreeSet<Integer> retryAfters = new TreeSet<>();
                for (Future<RawHttp.Response> attempt : attempts) {
                    RawHttp.Response response = attempt.get(60, TimeUnit.SECONDS);
                    if (response.status() == 101) {
                        outcomes.merge("101", 1, Integer::sum);
                        continue;
                    }
                    JsonNode body = JSON.readTree(response.body());
                    outcomes.merge(response.status() + " " + body.path("error").asText(), 1, Integer::sum);
                    assertThat(response.status()).as("a refusal, never a failure: %s", response.body()).isIn(429, 503);
                    assertThat(body.path("message").asText()).isNotBlank();
                    retryAfters.add(Integer.parseInt(response.header("Retry-After")));
                }

                assertThat(outcomes.getOrDefault("101", 0)).as("admitted: %s", outcomes).isPositive();
                assertThat(STORM - outcomes.getOrDefault("101", 0)).as("refused: %s", outcomes).isPositive();
                assertThat(outcomes.keySet()).as("every refusal has a reason the README lists")
                        .allMatch(key -> key.equals("101") || key.endsWith("RATE_LIMITED") || key.endsWith("TOO_MANY_PENDING_CONNECTIONS")
                                || key.endsWith("CONNECTION_LIMIT_REACHED"));
                assertThat(retryAfters).as("Retry-After spread, not one second for all").hasSizeGreaterThanOrEqualTo(3);
            } finally {
                storm.shutdownNow();
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(metric(server, "connections_pending")).as("nothing left pending").isLessThanOrEqualTo(1));
            String after = UUID.randomUUID().toString();
            TestKafka.publish(topic, "k", "{\"marker\":\"" + after + "\"}");
            steady.nextData("marker", after);
        }
    }

    /** One client's reconnect: an upgrade request, the answer, and the connection closed by the client. */
    private static RawHttp.Response attempt(TestServer server) throws IOException {
        try (RawHttp raw = RawHttp.open(server.port())) {
            return raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse();
        }
    }

    private static double metric(TestServer server, String name) {
        return server.get("/metrics").body().lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
