package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A new subscription to a `latest` topic gets the current value of every key its filters match, then a
 * marker, then live updates. The values were written before the gateway started: it reads them from the
 * topic's start. Real broker, real clients.
 */
class SnapshotIT {

    private static final String PRICES = TestKafka.uniqueTopic("snapshot-prices");
    private static final String RUN = UUID.randomUUID().toString();
    private static TestServer server;

    @BeforeAll
    static void start() {
        TestKafka.broker().createTopic(PRICES, 2);
        value(0, "A", "eu", 1);
        value(1, "B", "eu", 1);
        value(0, "A", "eu", 2);
        value(1, "C", "us", 1);
        value(1, "B", "eu", 2);
        server = TestServer.builder().env("ACCESS_SNAPSHOT_MAX_KEYS", "1000").topic(PRICES, "mode: latest\nkey_field: sym").start();
        // the partitions are assigned before the values before start are read: ready means they are
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/health/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void aWebSocketSubscriptionGetsTheNewestValueOfEveryMatchingKeyThenTheMarkerThenLiveUpdates() {
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + PRICES + "\"],\"filters\":{\"region\":\"eu\"}}}");
            List<JsonNode> snapshot = client.collectUntil(m -> m.path("type").asText().equals("snapshot_complete")
                    && m.path("topic").asText().equals(PRICES), WsClient.PATIENCE).stream()
                    .filter(m -> m.path("topic").asText().equals(PRICES)).toList();

            List<JsonNode> values = snapshot.stream().filter(m -> m.path("type").asText().equals("snapshot")).toList();
            assertThat(values).extracting(m -> m.path("data").path("sym").asText() + m.path("data").path("v").asInt())
                    .containsExactlyInAnyOrder("A2", "B2");
            assertThat(values).allSatisfy(m -> assertThat(m.path("cursor").asText()).isNotEmpty());
            assertThat(snapshot.getLast().path("count").asInt()).isEqualTo(2);
            assertThat(snapshot).noneMatch(m -> m.path("type").asText().equals("data"));

            value(0, "A", "eu", 3);
            JsonNode live = client.nextMatching(m -> m.path("type").asText().equals("data") && m.path("topic").asText().equals(PRICES),
                    WsClient.PATIENCE);
            assertThat(live.path("data").path("v").asInt()).isEqualTo(3);
        }
    }

    @Test
    void anSseStreamGetsTheSnapshotAsEventsWithIds() {
        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + PRICES))) {
            List<SseClient.Event> values = new ArrayList<>();
            SseClient.Event event;
            while (!(event = stream.nextMatching(e -> e.name().startsWith("snapshot")
                    && e.json().path("topic").asText().equals(PRICES), SseClient.PATIENCE)).name().equals("snapshot_complete")) {
                values.add(event);
            }
            assertThat(values).extracting(e -> e.json().path("data").path("sym").asText()).containsExactlyInAnyOrder("A", "B", "C");
            assertThat(values).allSatisfy(e -> assertThat(e.id()).isNotEmpty());
            assertThat(event.json().path("count").asInt()).isEqualTo(3);
            assertThat(event.id()).isEqualTo(event.json().path("cursor").asText());
        }
    }

    private static void value(int partition, String sym, String region, int v) {
        TestKafka.publish(PRICES, partition, sym, "{\"marker\":\"" + RUN + "\",\"sym\":\"" + sym + "\",\"region\":\"" + region + "\",\"v\":" + v + "}");
    }
}
