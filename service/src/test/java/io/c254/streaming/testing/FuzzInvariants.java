package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What fuzzing a server must leave as it was, checked after each batch of cases: the server answers
 * `/health`; a WebSocket and an SSE client connected before the fuzzing (bystanders) still get the next
 * record of their topic with no error before it and are still open; `/stats` counts the same connections
 * and subscriptions as before once the fuzzing's own connections are closed; and Netty's leak detector,
 * at PARANOID for the whole suite, reports nothing.
 */
public final class FuzzInvariants implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(20);

    private final TestServer server;
    private final String topic;
    private final BufferLeaks leaks;
    private final WsClient webSocketBystander;
    private final SseClient sseBystander;
    private final Counts before;

    /** The counts `/stats` shows that a leaked connection slot or subscription would change. */
    record Counts(int webSocketConnections, int sseConnections, int subscriptions) {
    }

    private FuzzInvariants(TestServer server, String topic, BufferLeaks leaks, WsClient webSocketBystander, SseClient sseBystander) {
        this.server = server;
        this.topic = topic;
        this.leaks = leaks;
        this.webSocketBystander = webSocketBystander;
        this.sseBystander = sseBystander;
        this.before = counts();
    }

    /**
     * Starts watching for leaks, connects the bystanders to the topic (registered on the server, created in
     * Kafka) and waits until both hold it, then takes the counts to come back to.
     */
    public static FuzzInvariants watch(TestServer server, String topic) {
        BufferLeaks leaks = BufferLeaks.watch();
        WsClient webSocket = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        webSocket.nextOfType("connection_established");
        webSocket.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
        webSocket.nextOfType("subscribed");
        SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + topic));
        sse.nextNamed("subscribed");
        return new FuzzInvariants(server, topic, leaks, webSocket, sse);
    }

    /** After a batch: every invariant but the final leak search ({@link #assertNoLeaks()}), which takes seconds. */
    public void assertHeld() {
        assertThat(server.get("/health").statusCode()).as("/health after fuzzing").isEqualTo(200);
        assertCountsAsBefore();
        assertBystandersUntouched();
    }

    private void assertCountsAsBefore() {
        Awaitility.await("connections and subscriptions back to " + before)
                .atMost(SETTLE)
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(counts()).isEqualTo(before));
    }

    private void assertBystandersUntouched() {
        String marker = UUID.randomUUID().toString();
        TestKafka.publish(topic, "k", "{\"marker\":\"" + marker + "\"}");

        List<JsonNode> seen = webSocketBystander.collectUntilData("marker", marker);
        assertThat(seen).as("WebSocket bystander: nothing but data before the record").allSatisfy(m ->
                assertThat(m.path("type").asText()).isEqualTo("data"));
        assertThat(webSocketBystander.isClosed()).as("WebSocket bystander still open").isFalse();

        SseClient.Event event = sseBystander.nextMatching(e -> !e.name().equals("comment") && (!e.name().equals("data")
                || marker.equals(e.json().path("data").path("marker").asText())), SseClient.PATIENCE);
        assertThat(event.name()).as("SSE bystander: the record, with no error or end before it").isEqualTo("data");
    }

    /** The last check of a suite: no buffer leaked while it ran, as far as collecting garbage for a few seconds finds. */
    public void assertNoLeaks() {
        assertThat(leaks.reports()).as("Netty leak reports").isEmpty();
    }

    private Counts counts() {
        JsonNode stats;
        try {
            stats = JSON.readTree(server.get("/stats").body());
        } catch (IOException e) {
            throw new AssertionError("/stats is not JSON", e);
        }
        return new Counts(stats.path("websocket").path("active_connections").asInt(),
                stats.path("sse").path("active_connections").asInt(),
                stats.path("subscriptions").path("active_subscriptions").asInt());
    }

    @Override
    public void close() {
        webSocketBystander.close();
        sseBystander.close();
        leaks.close();
    }
}
