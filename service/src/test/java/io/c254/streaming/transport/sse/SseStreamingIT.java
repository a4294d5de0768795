package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The SSE endpoints end to end: real broker, real service, a real HTTP client reading the stream. */
class SseStreamingIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRICES = TestKafka.uniqueTopic("sse-prices");
    private static final String CURVES = TestKafka.uniqueTopic("sse-curves");
    private static final String NEWS = TestKafka.uniqueTopic("sse-news");
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .env("ACCESS_HEARTBEAT_TIMEOUT", "3")
                .topic(PRICES, "required_roles: [viewer]")
                .topic(CURVES, "required_roles: [analyst]")
                .topic(NEWS, "required_roles: [viewer]")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static String record(String marker, String commodity) {
        return "{\"instrument_id\":\"BRENT_CRUDE\",\"commodity\":\"" + commodity + "\",\"price\":75.5,\"marker\":\"" + marker + "\"}";
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void streamOpensWithConnectionEstablishedThenDefaultTopicDataWithCursorIds() {
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            assertThat(sse.response().headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            SseClient.Event established = sse.nextNamed("connection_established");
            assertThat(established.json().path("connection_id").asText()).startsWith("conn-");
            assertThat(established.json().path("user_id").asText()).isEqualTo("user-123");
            assertThat(established.json().path("tenant_id").asText()).isEqualTo("tenant-1");

            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "BRENT_CRUDE", record(marker, "oil"));
            SseClient.Event data = sse.nextData("marker", marker);
            JsonNode body = data.json();
            assertThat(body.path("topic").asText()).isEqualTo(TopicRegistry.LATEST_PRICES);
            assertThat(body.path("data").path("instrument_id").asText()).isEqualTo("BRENT_CRUDE");
            assertThat(body.path("timestamp").isIntegralNumber()).isTrue();
            // the id is the stream's cursor: here the default topic alone, its partition just past this event
            Cursor.Read cursor = Cursor.read(data.id());
            assertThat(cursor).isInstanceOfSatisfying(Cursor.Read.Valid.class, valid -> {
                assertThat(valid.cursor().topics()).containsExactly(TopicRegistry.LATEST_PRICES);
                assertThat(valid.cursor().next(TopicRegistry.LATEST_PRICES)[body.path("partition").asInt()])
                        .isEqualTo(body.path("offset").asLong() + 1);
            });
        }
    }

    @Test
    void streamSetsAReconnectionTimeOf3000MsBeforeConnectionEstablished() {
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            SseClient.Event first = sse.next(Duration.ofSeconds(10));
            assertThat(first.name()).isEqualTo("connection_established");
            assertThat(first.retryMillis()).as("the retry: line in effect when connection_established arrived").isEqualTo(3000);
        }
    }

    /** `topics=a,b` and `topics=a&topics=b` ask for the same thing: both topics. */
    @ParameterizedTest
    @ValueSource(strings = {"comma-separated", "repeated"})
    void topicsListedInTheQueryAreAllSubscribed(String form) {
        String query = form.equals("repeated") ? "topics=" + PRICES + "&topics=" + NEWS : "topics=" + PRICES + "," + NEWS;
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token&" + query))) {
            sse.nextNamed("connection_established");
            String run = UUID.randomUUID().toString();
            TestKafka.publish(PRICES, "k", record(run + "-prices", "oil"));
            TestKafka.publish(NEWS, "k", record(run + "-news", "oil"));
            // generous: a loaded machine may be slow, but a topic that is not subscribed never delivers
            assertThat(sse.nextData("marker", run + "-prices", Duration.ofSeconds(30)).json().path("topic").asText()).isEqualTo(PRICES);
            assertThat(sse.nextData("marker", run + "-news", Duration.ofSeconds(30)).json().path("topic").asText()).isEqualTo(NEWS);
        }
    }

    @Test
    void topicsAndFiltersInTheQuerySubscribeAtConnectTime() {
        String filters = encode("{\"commodity\":[\"oil\"]}");
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + PRICES + "&filters=" + filters))) {
            sse.nextNamed("connection_established");
            String run = UUID.randomUUID().toString();
            TestKafka.publish(PRICES, "k", record(run + "-gas", "gas"));
            TestKafka.publish(PRICES, "k", record(run + "-oil", "oil"));
            SseClient.Event first = sse.nextMatching(e -> e.name().equals("data") && e.json().path("topic").asText().equals(PRICES),
                    Duration.ofSeconds(10));
            assertThat(first.json().path("data").path("marker").asText()).isEqualTo(run + "-oil");
        }
    }

    @Test
    void badQueryIsRefusedBeforeTheStreamStarts() {
        HttpResponse<String> badFilter = server.get("/sse/stream?token=test-token&filters=" + encode("{\"commodity\":{}}"));
        assertThat(badFilter.statusCode()).isEqualTo(400);
        assertThat(badFilter.body()).contains("INVALID_FILTER");

        HttpResponse<String> badTopic = server.get("/sse/stream?token=test-token&topics=" + encode("bad topic!"));
        assertThat(badTopic.statusCode()).isEqualTo(400);
        assertThat(badTopic.body()).contains("INVALID_MESSAGE");

        HttpResponse<String> noToken = server.get("/sse/stream");
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).contains("UNAUTHORIZED");
    }

    @Test
    void unknownOrDeniedQueryTopicIsAnErrorEventAndTheStreamGoesOn() {
        String viewer = TestTokens.jwt("viewer-2", "tenant-2", "viewer");
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=" + viewer + "&topics=" + CURVES + ",no.such.topic"))) {
            sse.nextNamed("connection_established");
            JsonNode first = sse.nextNamed("error").json();
            JsonNode second = sse.nextNamed("error").json();
            assertThat(java.util.List.of(first.path("error").asText(), second.path("error").asText()))
                    .containsExactlyInAnyOrder("SUBSCRIPTION_DENIED", "UNKNOWN_TOPIC");

            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(marker, "oil"));
            assertThat(sse.nextData("marker", marker)).isNotNull();
        }
    }

    @Test
    void postSubscribeAsInTheSpecAddsATopicWithFiltersAndUnsubscribeRemovesIt() {
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            String id = sse.nextNamed("connection_established").json().path("connection_id").asText();

            HttpResponse<String> subscribed = server.postForm("/sse/subscribe?token=test-token",
                    "connection_id=" + id + "&topic=" + PRICES + "&filters=" + encode("{\"commodity\":\"oil\"}"));
            assertThat(subscribed.statusCode()).isEqualTo(200);
            JsonNode body = json(subscribed.body());
            assertThat(body.path("success").asBoolean()).isTrue();
            assertThat(body.path("topic").asText()).isEqualTo(PRICES);
            assertThat(body.path("filters").path("commodity").asText()).isEqualTo("oil");
            assertThat(body.path("connection_id").asText()).isEqualTo(id);

            String run = UUID.randomUUID().toString();
            TestKafka.publish(PRICES, "k", record(run + "-gas", "gas"));
            TestKafka.publish(PRICES, "k", record(run + "-oil", "oil"));
            SseClient.Event first = sse.nextMatching(e -> e.name().equals("data") && e.json().path("topic").asText().equals(PRICES),
                    Duration.ofSeconds(10));
            assertThat(first.json().path("data").path("marker").asText()).isEqualTo(run + "-oil");

            HttpResponse<String> unsubscribed = server.postForm("/sse/unsubscribe?token=test-token", "connection_id=" + id + "&topic=" + PRICES);
            assertThat(unsubscribed.statusCode()).isEqualTo(200);
            assertThat(json(unsubscribed.body()).path("success").asBoolean()).isTrue();

            TestKafka.publish(PRICES, "k", record(run + "-late", "oil"));
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(run + "-sentinel", "oil"));
            SseClient.Event next = sse.nextMatching(e -> e.name().equals("data")
                    && (e.json().path("topic").asText().equals(PRICES) || e.json().path("data").path("marker").asText().equals(run + "-sentinel")),
                    Duration.ofSeconds(10));
            assertThat(next.json().path("data").path("marker").asText()).isEqualTo(run + "-sentinel");
        }
    }

    @Test
    void postSubscribeTakesAJsonBodyAndTheBearerHeader() {
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            String id = sse.nextNamed("connection_established").json().path("connection_id").asText();
            HttpResponse<String> response = TestServer.send(HttpRequest.newBuilder(server.http("/sse/subscribe"))
                    .header("Authorization", "Bearer test-token")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"connection_id\":\"" + id + "\",\"topic\":\"" + PRICES
                            + "\",\"filters\":{\"commodity\":[\"oil\",\"gas\"]}}"))
                    .build());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response.body()).path("filters").path("commodity").size()).isEqualTo(2);
        }
    }

    @Test
    void subscribeEndpointRefusesStrangersAndBadRequestsClearly() {
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            String id = sse.nextNamed("connection_established").json().path("connection_id").asText();
            String stranger = TestTokens.jwt("mallory", "tenant-1", "admin");

            HttpResponse<String> hijack = server.postForm("/sse/subscribe?token=" + stranger, "connection_id=" + id + "&topic=" + PRICES);
            HttpResponse<String> unknown = server.postForm("/sse/subscribe?token=" + stranger, "connection_id=conn-doesnotexist&topic=" + PRICES);
            // a stranger cannot tell an existing id from a made-up one
            assertThat(hijack.statusCode()).isEqualTo(403);
            assertThat(unknown.statusCode()).isEqualTo(403);
            assertThat(json(hijack.body()).path("error").asText()).isEqualTo("FORBIDDEN");
            assertThat(json(unknown.body()).path("error").asText()).isEqualTo("FORBIDDEN");
            assertThat(json(hijack.body()).path("message").asText().replace(id, "ID"))
                    .isEqualTo(json(unknown.body()).path("message").asText().replace("conn-doesnotexist", "ID"));

            // SPEC.md's example carries no token: in local mode that is the local test user, the stream's owner here
            HttpResponse<String> asInTheSpec = server.postForm("/sse/subscribe", "connection_id=" + id + "&topic=" + PRICES);
            assertThat(asInTheSpec.statusCode()).isEqualTo(200);
            assertThat(json(asInTheSpec.body()).path("success").asBoolean()).isTrue();
            HttpResponse<String> noTopic = server.postForm("/sse/subscribe?token=test-token", "connection_id=" + id);
            assertThat(noTopic.statusCode()).isEqualTo(400);
            assertThat(json(noTopic.body()).path("error").asText()).isEqualTo("MISSING_FIELD");
            HttpResponse<String> badFilter = server.postForm("/sse/subscribe?token=test-token",
                    "connection_id=" + id + "&topic=" + PRICES + "&filters=" + encode("[1]"));
            assertThat(json(badFilter.body()).path("error").asText()).isEqualTo("INVALID_FILTER");
            HttpResponse<String> unknownTopic = server.postForm("/sse/subscribe?token=test-token", "connection_id=" + id + "&topic=no.such.topic");
            assertThat(unknownTopic.statusCode()).isEqualTo(404);
            assertThat(json(unknownTopic.body()).path("error").asText()).isEqualTo("UNKNOWN_TOPIC");
            assertThat(server.get("/sse/subscribe").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void ownerOfAStreamThatEndedIsToldSoWith404() {
        String id;
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            id = sse.nextNamed("connection_established").json().path("connection_id").asText();
        }
        String closedId = id;
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> late = server.postForm("/sse/subscribe?token=test-token", "connection_id=" + closedId + "&topic=" + PRICES);
            assertThat(late.statusCode()).isEqualTo(404);
            assertThat(json(late.body()).path("error").asText()).isEqualTo("UNKNOWN_CONNECTION");
        });
    }

    @Test
    void idleStreamGetsHeartbeatComments() {
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=" + TestTokens.jwt("quiet", "tenant-q")))) {
            sse.nextNamed("connection_established");
            SseClient.Event heartbeat = sse.nextMatching(e -> e.name().equals("comment"), Duration.ofSeconds(5));
            assertThat(heartbeat.data()).isEqualTo("heartbeat");
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
