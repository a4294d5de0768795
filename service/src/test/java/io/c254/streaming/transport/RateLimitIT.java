package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Limits and rate limits, each refusal seen from the outside with its error code, and no data where the
 * refusal should stop it. Each group of limits has its own server, since attempt counters (per address
 * in particular: every test connects from 127.0.0.1) would otherwise be shared.
 */
class RateLimitIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HELD = TestKafka.uniqueTopic("rl-held");
    private static final String EXTRA = TestKafka.uniqueTopic("rl-extra");
    private static final String PING = "{\"action\":\"ping\",\"data\":{}}";

    /** Inbound messages: 5 a second, bursts of 5, closed after 10 refusals in a row. */
    private static TestServer flood;
    /** Connection attempts: 5 a minute per client address. */
    private static TestServer perAddress;
    /** Connection attempts: 3 a minute per user, many per address. */
    private static TestServer perUser;
    /** Sizes: 2 subscriptions per connection, 2 filter fields, 2 KiB bodies and frames. */
    private static TestServer sizes;

    @BeforeAll
    static void start() {
        flood = TestServer.builder()
                .env("ACCESS_RATE_MESSAGES_PER_SECOND", "5")
                .env("ACCESS_RATE_MESSAGE_BURST", "5")
                .env("ACCESS_RATE_BREACHES_BEFORE_CLOSE", "10")
                .start();
        perAddress = TestServer.builder()
                .env("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS", "5")
                .env("ACCESS_MAX_CONNECTIONS_PER_USER", "1000")
                .start();
        perUser = TestServer.builder()
                .env("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER", "3")
                .env("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS", "100000")
                .env("ACCESS_MAX_CONNECTIONS_PER_USER", "1000")
                .start();
        sizes = TestServer.builder()
                .topic(HELD, "required_roles: [viewer]")
                .topic(EXTRA, "required_roles: [viewer]")
                .env("ACCESS_MAX_SUBSCRIPTIONS_PER_CONNECTION", "2")
                .env("ACCESS_MAX_FILTER_FIELDS", "2")
                .env("ACCESS_MAX_BODY_BYTES", "2048")
                .env("ACCESS_MAX_FRAME_BYTES", "2048")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (TestServer server : new TestServer[]{flood, perAddress, perUser, sizes}) {
            if (server != null) {
                server.close();
            }
        }
    }

    private static WsClient connect(TestServer server, String token) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + token));
        client.nextOfType("connection_established");
        return client;
    }

    private static String viewer(String user) {
        return TestTokens.jwt(user, "tenant-rl", "viewer");
    }

    private static String record(String marker, String commodity, String region) {
        return "{\"instrument_id\":\"BRENT_CRUDE\",\"commodity\":\"" + commodity + "\",\"region\":\"" + region
                + "\",\"price\":75.5,\"marker\":\"" + marker + "\"}";
    }

    // ---- (a) inbound message flood ----------------------------------------------------------------

    @Test
    void messageFloodGetsPongsThenRateLimitedErrorsThenCloseWith4003() {
        WsClient client = connect(flood, viewer("flooder"));
        try {
            int sent = 0;
            // as fast as the client can: the server refills 5 a second, so 40 back to back overrun it;
            // keep going (bounded) in case a slow machine let refills reset the count of refusals in a row
            while (sent < 200 && !client.isClosed()) {
                try {
                    client.send(PING);
                    sent++;
                } catch (CompletionException | IllegalStateException closedMeanwhile) {
                    break;
                }
            }
            List<JsonNode> received = client.collectUntilClosed(Duration.ofSeconds(15));
            int code = client.awaitCloseCode(Duration.ZERO);
            List<String> kinds = received.stream()
                    .filter(m -> !"data".equals(m.path("type").asText()))
                    .map(m -> m.path("type").asText().equals("error") ? m.path("error").asText() : m.path("type").asText())
                    .toList();

            assertThat(code).isEqualTo(CloseReason.RATE_LIMITED.code()).isEqualTo(4003);
            assertThat(kinds).as("answers to %d pings", sent).containsOnly("pong", "RATE_LIMITED");
            assertThat(kinds.getFirst()).as("the burst is served first").isEqualTo("pong");
            assertThat(kinds).filteredOn("pong"::equals).hasSizeBetween(5, sent - 10);
            // 10 refusals in a row close: the 10th is the close itself, the 9 before it are errors
            assertThat(kinds).filteredOn("RATE_LIMITED"::equals).hasSizeGreaterThanOrEqualTo(9);
            assertThat(kinds.subList(kinds.size() - 9, kinds.size())).as("the 9 refusals in a row before the close")
                    .containsOnly("RATE_LIMITED");
            assertThat(received.stream().filter(m -> "error".equals(m.path("type").asText())).findFirst().orElseThrow()
                    .path("message").asText()).isNotBlank();
        } finally {
            client.close();
        }
    }

    @Test
    void clientSendingWithinTheRateIsNeverRefused() throws Exception {
        try (WsClient client = connect(flood, viewer("polite"))) {
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                client.send(PING);
                JsonNode answer = client.nextMatching(m -> !"data".equals(m.path("type").asText()), Duration.ofSeconds(10));
                answers.add(answer.path("type").asText() + ":" + answer.path("error").asText());
                Thread.sleep(300); // paces the client at about 3 a second against a rate of 5 (not a wait for anything)
            }
            assertThat(answers).allMatch(a -> a.startsWith("pong:"));
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void binaryFrameFloodIsRateLimitedAndClosedLikeATextFlood() {
        WsClient client = connect(flood, viewer("binary-flooder"));
        try {
            for (int sent = 0; sent < 200 && !client.isClosed(); sent++) {
                try {
                    client.sendBinary(new byte[]{1, 2, 3});
                } catch (CompletionException | IllegalStateException closedMeanwhile) {
                    break;
                }
            }
            List<String> errors = client.collectUntilClosed(Duration.ofSeconds(15)).stream()
                    .filter(m -> "error".equals(m.path("type").asText())).map(m -> m.path("error").asText()).toList();
            assertThat(client.awaitCloseCode(Duration.ZERO)).isEqualTo(CloseReason.RATE_LIMITED.code());
            assertThat(errors).contains("RATE_LIMITED");
        } finally {
            client.close();
        }
    }

    // ---- (b) connection attempts per client address ---------------------------------------------

    @Test
    void sixthConnectionAttemptFromOneAddressWithinAMinuteGets429RateLimitedWithRetryAfter() throws Exception {
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                RawHttp raw = RawHttp.open(perAddress.port());
                open.add(raw);
                RawHttp.Response accepted = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + viewer("addr-user-" + i))).readResponse();
                assertThat(accepted.status()).as("attempt %d", i + 1).isEqualTo(101);
            }
            try (RawHttp raw = RawHttp.open(perAddress.port())) {
                RawHttp.Response refused = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + viewer("addr-user-5"))).readResponse();
                assertRateLimited(refused);
                assertThat(raw.readToEnd()).as("no upgrade, no frame").isEmpty();
            }
            // the address is refused before its token is looked at, and for SSE just the same
            try (RawHttp raw = RawHttp.open(perAddress.port())) {
                assertRateLimited(raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=not-a-jwt")).readResponse());
            }
            HttpResponse<String> sse = TestServer.send(HttpRequest.newBuilder(perAddress.http("/sse/stream?token=" + viewer("addr-user-7")))
                    .timeout(Duration.ofSeconds(15)).GET().build());
            assertThat(sse.statusCode()).isEqualTo(429);
            assertThat(sse.headers().firstValue("retry-after")).isPresent();
            assertThat(JSON.readTree(sse.body()).path("error").asText()).isEqualTo("RATE_LIMITED");
            assertThat(sse.body()).doesNotContain("connection_established");
        } finally {
            for (RawHttp raw : open) {
                raw.close();
            }
        }
    }

    private static void assertRateLimited(RawHttp.Response refused) throws Exception {
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Upgrade")).isNull();
        String retryAfter = refused.header("Retry-After");
        assertThat(retryAfter).as("Retry-After in seconds").isNotNull().matches("\\d+");
        // 5 a minute refill one every 12 s
        assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);
        JsonNode body = JSON.readTree(refused.body());
        assertThat(body.path("error").asText()).isEqualTo("RATE_LIMITED");
        assertThat(body.path("message").asText()).isNotBlank();
        // a number, as the header says it, not the string "12"
        assertThat(body.path("details").path("retry_after_seconds").isIntegralNumber()).isTrue();
        // the body names the earliest retry; the header spreads retries from there to twice that
        int earliest = body.path("details").path("retry_after_seconds").asInt();
        assertThat(Integer.parseInt(retryAfter)).isBetween(earliest, 2 * earliest);
    }

    // ---- (c) connection attempts per user -------------------------------------------------------

    @Test
    void fourthConnectionAttemptOfOneUserWithinAMinuteGets429WhileAnotherUserStillConnects() throws Exception {
        String token = TestTokens.jwt("eager-user", "tenant-rl", "viewer");
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(connect(perUser, token));
            }
            try (RawHttp raw = RawHttp.open(perUser.port())) {
                RawHttp.Response refused = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token)).readResponse();
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.header("Retry-After")).isNotNull().matches("\\d+");
                // an attempt rate, not the count of open connections (the user holds 3 of 1000 allowed)
                assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("RATE_LIMITED");
                assertThat(raw.readToEnd()).isEmpty();
            }
            try (WsClient other = connect(perUser, TestTokens.jwt("calm-user", "tenant-rl", "viewer"))) {
                other.send(PING);
                assertThat(other.nextOfType("pong")).isNotNull();
            }
        } finally {
            open.forEach(WsClient::close);
        }
        // closing the connections gives no attempts back: it is a rate
        try (RawHttp raw = RawHttp.open(perUser.port())) {
            RawHttp.Response refused = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token)).readResponse();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("RATE_LIMITED");
        }
    }

    // ---- (d) subscriptions per connection --------------------------------------------------------

    @Test
    void subscribingBeyondTheLimitGetsSubscriptionLimitReachedAndNoDataWhileAHeldTopicMayBeResubscribed() throws Exception {
        try (WsClient client = connect(sizes, viewer("collector"))) {
            // the default topic is the first of two
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + HELD + "\"]}}");
            assertThat(client.nextOfType("subscribed").path("topics").get(0).asText()).isEqualTo(HELD);

            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + EXTRA + "\"]}}");
            JsonNode refused = client.nextMatching(m -> !"data".equals(m.path("type").asText()), Duration.ofSeconds(10));
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("error").asText()).isEqualTo("SUBSCRIPTION_LIMIT_REACHED");
            assertThat(refused.path("details").path("topic").asText()).isEqualTo(EXTRA);
            assertThat(refused.path("message").asText()).contains("2");

            // changing the filter of a held topic is no new subscription
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + HELD + "\"],\"filters\":{\"commodity\":\"oil\"}}}");
            JsonNode resubscribed = client.nextMatching(m -> !"data".equals(m.path("type").asText()), Duration.ofSeconds(10));
            assertThat(resubscribed.path("type").asText()).isEqualTo("subscribed");
            assertThat(resubscribed.path("filters").path("commodity").asText()).isEqualTo("oil");

            String run = UUID.randomUUID().toString();
            TestKafka.publish(EXTRA, "k", record(run + "-refused", "oil", "north_sea"));
            TestKafka.publish(HELD, "k", record(run + "-gas", "gas", "north_sea"));
            TestKafka.publish(HELD, "k", record(run + "-oil", "oil", "north_sea"));
            List<JsonNode> seen = new ArrayList<>(collectUntilMarker(client, run + "-oil"));
            // one partition keeps order: the first of the held topic is the one matching the new filter
            JsonNode held = seen.stream().filter(m -> HELD.equals(m.path("topic").asText())).findFirst().orElseThrow();
            assertThat(held.path("data").path("marker").asText()).isEqualTo(run + "-oil");

            // the refused topic's record was published first: had it been delivered, it would come before these
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(run + "-sentinel", "oil", "north_sea"));
            seen.addAll(collectUntilMarker(client, run + "-sentinel"));
            seen.addAll(client.collectThroughPong());
            assertThat(seen).noneMatch(m -> EXTRA.equals(m.path("topic").asText()));
            assertThat(seen).noneMatch(m -> m.path("data").path("marker").asText().equals(run + "-refused"));
        }
    }

    @Test
    void sseSubscribeBeyondTheLimitGets429SubscriptionLimitReachedAndNoDataOfThatTopic() throws Exception {
        String token = viewer("sse-collector");
        try (io.c254.streaming.testing.SseClient stream = io.c254.streaming.testing.SseClient.connect(
                sizes.http("/sse/stream?token=" + token + "&topics=" + HELD))) {
            String connection = stream.nextNamed("connection_established").json().path("connection_id").asText();
            // the default topic and HELD: two of two
            HttpResponse<String> refused = postJson(sizes, "/sse/subscribe?token=" + token,
                    "{\"connection_id\":\"" + connection + "\",\"topic\":\"" + EXTRA + "\"}");
            assertThat(refused.statusCode()).isEqualTo(429);
            JsonNode body = JSON.readTree(refused.body());
            assertThat(body.path("error").asText()).isEqualTo("SUBSCRIPTION_LIMIT_REACHED");

            HttpResponse<String> resubscribed = postJson(sizes, "/sse/subscribe?token=" + token,
                    "{\"connection_id\":\"" + connection + "\",\"topic\":\"" + HELD + "\",\"filters\":{\"commodity\":\"oil\"}}");
            assertThat(resubscribed.statusCode()).isEqualTo(200);

            String run = UUID.randomUUID().toString();
            TestKafka.publish(EXTRA, "k", record(run + "-refused", "oil", "north_sea"));
            TestKafka.publish(HELD, "k", record(run + "-held", "oil", "north_sea"));
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(run + "-sentinel", "oil", "north_sea"));
            List<io.c254.streaming.testing.SseClient.Event> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            boolean held = false;
            boolean sentinel = false;
            while (!(held && sentinel) && System.nanoTime() < deadline) {
                io.c254.streaming.testing.SseClient.Event event = stream.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                seen.add(event);
                if (event.name().equals("data")) {
                    String marker = event.json().path("data").path("marker").asText();
                    held |= marker.equals(run + "-held");
                    sentinel |= marker.equals(run + "-sentinel");
                }
            }
            // the refused topic's record was published (and acknowledged) before the sentinel: it would have come first
            assertThat(held && sentinel).as("held and sentinel records arrived").isTrue();
            assertThat(seen).filteredOn(e -> e.name().equals("data"))
                    .noneMatch(e -> EXTRA.equals(e.json().path("topic").asText()));
        }
    }

    private static HttpResponse<String> postJson(TestServer server, String pathAndQuery, String json) {
        return TestServer.send(HttpRequest.newBuilder(server.http(pathAndQuery))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .timeout(Duration.ofSeconds(15)).build());
    }

    /** Every message up to and including the data message carrying this marker (none is skipped unseen). */
    private static List<JsonNode> collectUntilMarker(WsClient client, String marker) {
        return client.collectUntilData("marker", marker);
    }

    // ---- (e) filter size -------------------------------------------------------------------------

    @Test
    void filterWithMoreFieldsThanAllowedGetsInvalidFilterNamingTheLimit() throws Exception {
        try (WsClient client = connect(sizes, viewer("picky"))) {
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + HELD + "\"],"
                    + "\"filters\":{\"commodity\":\"oil\",\"region\":\"north_sea\",\"instrument_id\":\"BRENT_CRUDE\"}}}");
            JsonNode error = client.nextMatching(m -> !"data".equals(m.path("type").asText()), Duration.ofSeconds(10));
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("error").asText()).isEqualTo("INVALID_FILTER");
            assertThat(error.path("message").asText()).contains("at most 2 fields");

            // the refused subscribe left nothing behind: no record of the topic reaches this client
            String run = UUID.randomUUID().toString();
            TestKafka.publish(HELD, "k", record(run + "-refused", "oil", "north_sea"));
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(run + "-sentinel", "oil", "north_sea"));
            List<JsonNode> seen = new ArrayList<>(collectUntilMarker(client, run + "-sentinel"));
            seen.addAll(client.collectThroughPong());
            assertThat(seen).noneMatch(m -> HELD.equals(m.path("topic").asText()));

            // two fields are within the limit
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + HELD + "\"],"
                    + "\"filters\":{\"commodity\":\"oil\",\"region\":\"north_sea\"}}}");
            JsonNode subscribed = client.nextOfType("subscribed");
            assertThat(subscribed.path("topics").get(0).asText()).isEqualTo(HELD);
            assertThat(subscribed.path("filters").size()).isEqualTo(2);
        }
    }

    // ---- (f) request body size -------------------------------------------------------------------

    @Test
    void controlRequestBodyLargerThanAllowedGets413() throws Exception {
        String padding = "x".repeat(4096);
        String body = "{\"connection_id\":\"conn-0\",\"topic\":\"" + HELD + "\",\"filters\":{\"commodity\":\"" + padding + "\"}}";
        try (RawHttp raw = RawHttp.open(sizes.port())) {
            RawHttp.Response response = raw.write("POST /sse/subscribe?token=" + viewer("bulky") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).readResponse();
            assertThat(response.status()).isEqualTo(413);
        }
        // a small one is read and answered (here: no open stream of this caller)
        HttpResponse<String> small = TestServer.send(HttpRequest.newBuilder(sizes.http("/sse/subscribe?token=" + viewer("bulky")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"connection_id\":\"conn-0\",\"topic\":\"" + HELD + "\"}"))
                .timeout(Duration.ofSeconds(15)).build());
        assertThat(small.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(small.body()).path("error").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void oversizeBodyIsAnsweredWithTheJsonErrorShapeAndPayloadTooLarge() throws Exception {
        String body = "{\"connection_id\":\"conn-0\",\"topic\":\"" + HELD + "\",\"padding\":\"" + "x".repeat(4096) + "\"}";
        try (RawHttp raw = RawHttp.open(sizes.port())) {
            RawHttp.Response response = raw.write("POST /sse/subscribe?token=" + viewer("bulky") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).readResponse();
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.header("Content-Type")).as("response head: %s", response.head()).isEqualTo("application/json");
            assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        }
    }

    // ---- (g) WebSocket message size --------------------------------------------------------------

    @Test
    void webSocketMessageLargerThanAllowedClosesWith1009() throws Exception {
        WsClient client = connect(sizes, viewer("verbose"));
        try {
            String big = "{\"action\":\"ping\",\"data\":{\"padding\":\"" + "x".repeat(4096) + "\"}}";
            try {
                client.send(big);
            } catch (CompletionException closedMeanwhile) {
                // the server may cut the connection while the client still writes
            }
            List<JsonNode> after = client.collectUntilClosed(Duration.ofSeconds(10));
            assertThat(client.awaitCloseCode(Duration.ZERO)).isEqualTo(CloseReason.MESSAGE_TOO_BIG.code()).isEqualTo(1009);
            assertThat(after).as("the oversize message is not answered").noneMatch(m -> "pong".equals(m.path("type").asText()));
        } finally {
            client.close();
        }
        await().atMost(Duration.ofSeconds(5)).until(() ->
                JSON.readTree(sizes.get("/stats").body()).path("websocket").path("active_connections").asInt() == 0);
    }

    @Test
    void fragmentedWebSocketMessageAddingUpToMoreThanAllowedClosesWith1009() {
        WsClient client = connect(sizes, viewer("fragmenting"));
        try {
            String part = "x".repeat(1500); // each frame within 2 KiB, the message not
            try {
                client.sendInParts("{\"action\":\"ping\",\"data\":{\"padding\":\"" + part, part, part + "\"}}");
            } catch (CompletionException closedMeanwhile) {
                // the server may cut the connection while the client still writes
            }
            List<JsonNode> after = client.collectUntilClosed(Duration.ofSeconds(10));
            assertThat(client.awaitCloseCode(Duration.ZERO)).isEqualTo(CloseReason.MESSAGE_TOO_BIG.code());
            assertThat(after).noneMatch(m -> "pong".equals(m.path("type").asText()));
        } finally {
            client.close();
        }
    }

    @Test
    void webSocketMessageWithinTheFrameLimitIsAnswered() {
        try (WsClient client = connect(sizes, viewer("concise"))) {
            client.send("{\"action\":\"ping\",\"data\":{\"padding\":\"" + "x".repeat(1500) + "\"}}");
            assertThat(client.nextOfType("pong")).isNotNull();
        }
    }
}
