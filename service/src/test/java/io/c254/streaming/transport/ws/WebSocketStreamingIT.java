package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The WebSocket endpoint end to end: real broker, real service, the JDK's WebSocket client. */
class WebSocketStreamingIT {

    private static final String PRICES = TestKafka.uniqueTopic("ws-prices");
    private static final String CURVES = TestKafka.uniqueTopic("ws-curves");
    private static final String NEWS = TestKafka.uniqueTopic("ws-news");
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .topic(PRICES, "required_roles: [viewer]")
                .topic(CURVES, "required_roles: [analyst]")
                .topic(NEWS, "required_roles: [viewer]")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static WsClient connect(String token) {
        return WsClient.connect(server.ws("/ws/stream?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
    }

    private static String record(String marker, String commodity, String region) {
        return "{\"instrument_id\":\"BRENT_CRUDE\",\"commodity\":\"" + commodity + "\",\"region\":\"" + region
                + "\",\"price\":75.50,\"volume\":1000,\"timestamp\":\"2024-01-15T10:30:00Z\",\"marker\":\"" + marker + "\"}";
    }

    @Test
    void testTokenConnectionIsConfirmedWithIdsOfTheUser() {
        try (WsClient client = connect("test-token")) {
            JsonNode established = client.next();
            assertThat(established.path("type").asText()).isEqualTo("connection_established");
            assertThat(established.path("connection_id").asText()).matches("conn-[0-9a-f]{32}");
            assertThat(established.path("user_id").asText()).isEqualTo("user-123");
            assertThat(established.path("tenant_id").asText()).isEqualTo("tenant-1");
        }
    }

    @Test
    void defaultTopicRecordArrivesInTheSpecShape() {
        try (WsClient client = connect("test-token")) {
            client.nextOfType("connection_established");
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "BRENT_CRUDE", record(marker, "oil", "north_sea"));

            JsonNode data = client.nextData("marker", marker);
            assertThat(data.path("topic").asText()).isEqualTo(TopicRegistry.LATEST_PRICES);
            assertThat(data.path("data").path("instrument_id").asText()).isEqualTo("BRENT_CRUDE");
            assertThat(data.path("data").path("price").decimalValue()).isEqualByComparingTo("75.50");
            assertThat(data.path("timestamp").isIntegralNumber()).isTrue();
            assertThat(data.path("timestamp").asLong()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
            assertThat(data.path("partition").asInt()).isEqualTo(0);
            assertThat(data.has("offset")).isTrue();
            List<String> fields = new ArrayList<>();
            data.fieldNames().forEachRemaining(fields::add);
            // SPEC.md's fields, and the resume cursor besides them
            assertThat(fields).containsExactly("type", "cursor", "topic", "data", "timestamp", "partition", "offset");
        }
    }

    @Test
    void filteredSubscriptionDeliversOnlyMatchingRecords() {
        try (WsClient client = connect("test-token")) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + PRICES + "\"],"
                    + "\"filters\":{\"commodity\":\"oil\",\"region\":[\"north_sea\",\"us_gulf\"]}}}");
            JsonNode ack = client.nextOfType("subscribed");
            assertThat(ack.path("topics").get(0).asText()).isEqualTo(PRICES);
            assertThat(ack.path("filters").path("commodity").asText()).isEqualTo("oil");

            String run = UUID.randomUUID().toString();
            TestKafka.publish(PRICES, "k", record(run + "-gas", "gas", "north_sea"));
            TestKafka.publish(PRICES, "k", record(run + "-asia", "oil", "asia"));
            TestKafka.publish(PRICES, "k", record(run + "-match", "oil", "us_gulf"));

            // one partition keeps order: the first data message of this topic must be the matching record
            JsonNode first = client.nextMatching(m -> m.path("topic").asText().equals(PRICES), Duration.ofSeconds(10));
            assertThat(first.path("data").path("marker").asText()).isEqualTo(run + "-match");
        }
    }

    @Test
    void unsubscribeStopsDeliveryAndIsAcknowledged() {
        try (WsClient client = connect("test-token")) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + PRICES + "\"]}}");
            client.nextOfType("subscribed");
            client.send("{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + PRICES + "\"]}}");
            JsonNode ack = client.nextOfType("unsubscribed");
            assertThat(ack.path("topics").get(0).asText()).isEqualTo(PRICES);

            String run = UUID.randomUUID().toString();
            TestKafka.publish(PRICES, "k", record(run + "-after", "oil", "north_sea"));
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(run + "-sentinel", "oil", "north_sea"));
            client.nextData("marker", run + "-sentinel");
            client.send("{\"action\":\"ping\",\"data\":{}}");
            JsonNode next = client.nextMatching(m -> !m.path("topic").asText().equals(TopicRegistry.LATEST_PRICES), Duration.ofSeconds(10));
            assertThat(next.path("type").asText()).as("nothing of the unsubscribed topic before the pong").isEqualTo("pong");
        }
    }

    @Test
    void pingIsAnsweredWithPongCarryingTheServersTimeInMilliseconds() {
        try (WsClient client = connect("test-token")) {
            client.nextOfType("connection_established");
            long before = System.currentTimeMillis();
            client.send("{\"action\":\"ping\",\"data\":{}}");
            JsonNode pong = client.nextOfType("pong");
            long after = System.currentTimeMillis();

            List<String> fields = new ArrayList<>();
            pong.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsExactly("type", "timestamp");
            assertThat(pong.path("timestamp").isIntegralNumber()).as("epoch milliseconds as a JSON integer").isTrue();
            // same clock, same machine: the server's time lies between the send and the answer (1 s of slack for clock steps)
            assertThat(pong.path("timestamp").asLong()).isBetween(before - 1_000, after + 1_000);
        }
    }

    @Test
    void badFramesGetCatalogErrorsAndTheConnectionStaysOpen() {
        try (WsClient client = connect("test-token")) {
            client.nextOfType("connection_established");
            assertError(client, "{not json", "INVALID_MESSAGE");
            assertError(client, "[1,2]", "INVALID_MESSAGE");
            assertError(client, "{\"data\":{}}", "MISSING_FIELD");
            assertError(client, "{\"action\":\"dance\",\"data\":{}}", "UNKNOWN_ACTION");
            assertError(client, "{\"action\":\"subscribe\",\"data\":{}}", "MISSING_FIELD");
            assertError(client, "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + PRICES + "\"],\"filters\":{\"region\":{\"nested\":1}}}}", "INVALID_FILTER");
            assertError(client, "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"no.such.topic\"]}}", "UNKNOWN_TOPIC");
            assertError(client, "{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"no.such.topic\"]}}", "UNKNOWN_TOPIC");
            client.sendBinary(new byte[]{1, 2, 3});
            assertThat(client.nextOfType("error").path("error").asText()).isEqualTo("UNSUPPORTED_FRAME");

            client.send("{\"action\":\"ping\",\"data\":{}}");
            assertThat(client.nextOfType("pong")).isNotNull();
            assertThat(client.isClosed()).isFalse();
        }
    }

    /** Generous: a loaded machine may be slow, but a record that is not coming never comes. */
    private static JsonNode nextData(WsClient client, String marker) {
        return client.nextMatching(m -> "data".equals(m.path("type").asText()) && marker.equals(m.path("data").path("marker").asText()),
                Duration.ofSeconds(30));
    }

    private static void assertError(WsClient client, String frame, String code) {
        client.send(frame);
        JsonNode error = client.nextOfType("error");
        assertThat(error.path("error").asText()).as("error code for %s", frame).isEqualTo(code);
        assertThat(error.path("message").asText()).as("message for %s", frame).isNotBlank();
    }

    @Test
    void deniedTopicGetsSubscriptionDeniedAndNoData() {
        try (WsClient client = connect(TestTokens.jwt("viewer-1", "tenant-9", "viewer"))) {
            JsonNode established = client.nextOfType("connection_established");
            assertThat(established.path("user_id").asText()).isEqualTo("viewer-1");
            assertThat(established.path("tenant_id").asText()).isEqualTo("tenant-9");

            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + CURVES + "\"]}}");
            JsonNode error = client.nextOfType("error");
            assertThat(error.path("error").asText()).isEqualTo("SUBSCRIPTION_DENIED");
            assertThat(error.path("details").path("topic").asText()).isEqualTo(CURVES);
            assertThat(error.path("details").path("required_role").asText()).isEqualTo("analyst");

            String run = UUID.randomUUID().toString();
            TestKafka.publish(CURVES, "k", record(run + "-denied", "oil", "north_sea"));
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(run + "-sentinel", "oil", "north_sea"));
            client.nextData("marker", run + "-sentinel");
            client.send("{\"action\":\"ping\",\"data\":{}}");
            JsonNode next = client.nextMatching(m -> !m.path("topic").asText().equals(TopicRegistry.LATEST_PRICES), Duration.ofSeconds(10));
            assertThat(next.path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void subscribeNamingSeveralTopicsAnswersOneErrorPerRefusedTopicAndOneSubscribedListingTheOthers() {
        try (WsClient client = connect(TestTokens.jwt("viewer-multi", "tenant-m", "viewer"))) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + PRICES + "\",\"no.such.topic\",\"" + CURVES + "\",\"" + NEWS + "\"]}}");
            List<JsonNode> answers = new ArrayList<>();
            answers.add(client.nextMatching(m -> !m.path("type").asText().equals("data"), Duration.ofSeconds(10)));
            for (int i = 0; i < 10 && !answers.getLast().path("type").asText().equals("subscribed"); i++) {
                answers.add(client.nextMatching(m -> !m.path("type").asText().equals("data"), Duration.ofSeconds(10)));
            }
            // whatever else the subscribe produced was sent before the pong of a later ping
            client.send("{\"action\":\"ping\",\"data\":{}}");
            for (int i = 0; i < 10 && !answers.getLast().path("type").asText().equals("pong"); i++) {
                answers.add(client.nextMatching(m -> !m.path("type").asText().equals("data"), Duration.ofSeconds(10)));
            }

            assertThat(answers.getLast().path("type").asText()).isEqualTo("pong");
            List<JsonNode> answered = answers.subList(0, answers.size() - 1);
            assertThat(answered).extracting(m -> m.path("type").asText()).containsExactlyInAnyOrder("error", "error", "subscribed");
            assertThat(answered).filteredOn(m -> m.path("type").asText().equals("error"))
                    .extracting(m -> m.path("error").asText() + " " + m.path("details").path("topic").asText())
                    .containsExactlyInAnyOrder("UNKNOWN_TOPIC no.such.topic", "SUBSCRIPTION_DENIED " + CURVES);
            assertThat(answered).filteredOn(m -> m.path("type").asText().equals("subscribed")).singleElement()
                    .satisfies(ack -> assertThat(ack.path("topics")).extracting(JsonNode::asText).containsExactlyInAnyOrder(PRICES, NEWS));

            // and the listed topics are held
            String run = UUID.randomUUID().toString();
            TestKafka.publish(NEWS, "k", record(run + "-news", "oil", "north_sea"));
            TestKafka.publish(PRICES, "k", record(run + "-prices", "oil", "north_sea"));
            assertThat(nextData(client, run + "-news").path("topic").asText()).isEqualTo(NEWS);
            assertThat(nextData(client, run + "-prices").path("topic").asText()).isEqualTo(PRICES);
        }
    }

    @Test
    void missingOrBadTokenIsRefusedWith401BeforeTheUpgrade() throws Exception {
        for (String path : List.of("/ws/stream", "/ws/stream?token=not-a-jwt", "/ws/stream?token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")) {
            try (RawHttp http = RawHttp.open(server.port())) {
                RawHttp.Response response = http.write(RawHttp.webSocketUpgrade(path)).readResponse();
                assertThat(response.status()).as(path).isEqualTo(401);
                assertThat(response.header("Content-Type")).isEqualTo("application/json");
                assertThat(response.body()).contains("\"error\":\"UNAUTHORIZED\"");
            }
        }
    }

    @Test
    void plainGetWithoutUpgradeIsToldWhatIsExpected() {
        var response = server.get("/ws/stream?token=test-token");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("WebSocket upgrade");
    }

    @Test
    void oversizeFrameClosesWithMessageTooBig() {
        try (WsClient client = connect("test-token")) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"ping\",\"data\":{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}}");
            assertThat(client.awaitCloseCode(Duration.ofSeconds(10))).isEqualTo(1009);
        }
    }
}
