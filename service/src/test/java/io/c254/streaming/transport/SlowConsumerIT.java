package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that stops reading while records flow: on a `latest` topic its updates are conflated (newest
 * value per key) and it ends with the newest value of every key; on a `stream` topic it is closed as a slow
 * consumer and resumes from its cursor. Others meanwhile get everything. Real broker, real clients that
 * really stop reading (the socket's buffers fill).
 */
class SlowConsumerIT {

    private static final String PRICES = TestKafka.uniqueTopic("slow-prices");
    private static final String EVENTS = TestKafka.uniqueTopic("slow-events");
    private static final int KEYS = 50;
    /** Enough to fill the socket buffers between gateway and client several times over. */
    private static final int RECORDS = 5_000;
    private static final String PADDING = "x".repeat(2_000);
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .env("ACCESS_MAX_CLIENT_BUFFER_BYTES", "65536")
                .topic(PRICES, "mode: latest\nkey_field: sym")
                .topic(EVENTS)
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void aClientOfALatestTopicThatStopsReadingIsConflatedAndEndsWithTheNewestValueOfEveryKey() throws Exception {
        String run = UUID.randomUUID().toString();
        try (WsClient slow = subscribed(PRICES, ""); WsClient fast = subscribed(PRICES, "")) {
            slow.stopReading();
            Map<String, Integer> newest = publishAtAThousandASecond(PRICES, run);

            List<JsonNode> fastGot = dataUntil(fast, run, RECORDS);
            assertThat(fastGot).as("the client that reads gets every update").hasSize(RECORDS);
            assertThat(conflatedForSlowConsumers()).as("updates the stopped client never needed").isPositive();

            slow.readAgain();
            Map<String, Integer> slowEnds = new HashMap<>();
            while (!slowEnds.equals(newest)) {
                JsonNode message = slow.nextMatching(m -> m.path("type").asText().equals("data")
                        && run.equals(m.path("data").path("run").asText()), WsClient.PATIENCE);
                slowEnds.put(message.path("data").path("sym").asText(), message.path("data").path("seq").asInt());
            }
            assertThat(slow.isClosed()).as("conflated, not closed").isFalse();
        }
    }

    @Test
    void aClientOfAStreamTopicThatStopsReadingIsClosedAsASlowConsumerAndResumesWithoutALoss() throws Exception {
        String run = UUID.randomUUID().toString();
        try (WsClient slow = subscribed(EVENTS, "")) {
            TestKafka.publish(EVENTS, "k", "{\"run\":\"" + run + "\",\"seq\":-1}");
            String cursor = slow.nextMatching(m -> m.path("type").asText().equals("data"), WsClient.PATIENCE).path("cursor").asText();
            slow.stopReading();
            publishAtAThousandASecond(EVENTS, run);

            slow.readAgain();
            List<JsonNode> before = slow.collectUntilClosed(WsClient.PATIENCE);
            assertThat(slow.awaitCloseCode(Duration.ofSeconds(1))).isEqualTo(4001);
            for (JsonNode message : before) {
                if (message.path("type").asText().equals("data")) {
                    cursor = message.path("cursor").asText();
                }
            }
            long seen = before.stream().filter(m -> m.path("type").asText().equals("data") && m.path("data").path("seq").asInt() >= 0).count();
            assertThat(seen).as("closed before it had everything").isLessThan(RECORDS);

            try (WsClient again = subscribed(EVENTS, cursor)) {
                List<JsonNode> rest = dataUntil(again, run, RECORDS - (int) seen);
                assertThat(rest.getFirst().path("data").path("seq").asInt()).as("on from the first it had not got").isEqualTo((int) seen);
                assertThat(rest.getLast().path("data").path("seq").asInt()).isEqualTo(RECORDS - 1);
            }
        }
    }

    @Test
    void aMaxRateCapsALatestTopicAndTheClientStillEndsWithTheNewestValue() {
        String run = UUID.randomUUID().toString();
        try (WsClient capped = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            capped.nextOfType("connection_established");
            capped.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + PRICES + "\"],\"max_rate\":2}}");
            capped.nextOfType("subscribed");
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                values.add("{\"run\":\"" + run + "\",\"sym\":\"A\",\"seq\":" + i + "}");
            }
            TestKafka.publishAll(PRICES, values);

            List<Integer> got = new ArrayList<>();
            while (got.isEmpty() || got.getLast() != 49) {
                got.add(capped.nextMatching(m -> m.path("type").asText().equals("data")
                        && run.equals(m.path("data").path("run").asText()), WsClient.PATIENCE).path("data").path("seq").asInt());
            }
            assertThat(got).as("a few, the newest last, not all fifty").hasSizeLessThan(10).isSorted();
        }
    }

    private static WsClient subscribed(String topic, String resume) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]" + (resume.isEmpty() ? "" : ",\"resume\":\"" + resume + "\"") + "}}");
        client.nextOfType("subscribed");
        return client;
    }

    /** RECORDS records over KEYS keys, 100 every 100 ms; answers each key's last seq. */
    private static Map<String, Integer> publishAtAThousandASecond(String topic, String run) throws InterruptedException {
        Map<String, Integer> newest = new HashMap<>();
        for (int batch = 0; batch < RECORDS / 100; batch++) {
            long started = System.nanoTime();
            List<String> values = new ArrayList<>();
            for (int i = batch * 100; i < (batch + 1) * 100; i++) {
                String sym = "S" + (i % KEYS);
                values.add("{\"run\":\"" + run + "\",\"sym\":\"" + sym + "\",\"seq\":" + i + ",\"pad\":\"" + PADDING + "\"}");
                newest.put(sym, i);
            }
            TestKafka.publishAll(topic, values);
            Thread.sleep(Math.max(0, 100 - (System.nanoTime() - started) / 1_000_000));
        }
        return newest;
    }

    /** Data messages of this run until `count` have come. */
    private static List<JsonNode> dataUntil(WsClient client, String run, int count) {
        List<JsonNode> got = new ArrayList<>();
        while (got.size() < count) {
            got.add(client.nextMatching(m -> m.path("type").asText().equals("data") && run.equals(m.path("data").path("run").asText())
                    && m.path("data").path("seq").asInt() >= 0, WsClient.PATIENCE));
        }
        return got;
    }

    private static long conflatedForSlowConsumers() {
        return server.get("/metrics").body().lines()
                .filter(line -> line.startsWith("conflated_updates_total{reason=\"slow_consumer\"}"))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
