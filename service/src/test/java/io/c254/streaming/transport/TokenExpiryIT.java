package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A live connection ends when its token does: WebSocket clients are warned (TOKEN_EXPIRED) a little
 * before `exp`, may refresh the token on the same connection, and are closed with 4002 otherwise;
 * SSE streams end at `exp` with a last error event. Timings are asserted as windows, not instants.
 */
class TokenExpiryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WARNING_LEAD = Duration.ofSeconds(2);
    /** Scheduling slack on a loaded machine: the server's timers fire at or after their instant, never much before. */
    private static final Duration EARLY = Duration.ofMillis(150);
    private static final Duration LATE = Duration.ofSeconds(4);
    private static final String TENANT = "tenant-exp";

    private static final String CURVES = TestKafka.uniqueTopic("exp-curves");

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .topic(CURVES, "required_roles: [analyst]")
                .env("ACCESS_TOKEN_EXPIRY_WARNING_SECONDS", Long.toString(WARNING_LEAD.toSeconds()))
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    /** About 5-6 s ahead, on a whole second (a JWT's exp has no fraction). */
    private static Instant shortExpiry() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(6);
    }

    private static WsClient connect(String token) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + token));
        client.nextOfType("connection_established");
        return client;
    }

    private static JsonNode nextError(WsClient client, Duration timeout) {
        return client.nextMatching(m -> "error".equals(m.path("type").asText()), timeout);
    }

    private static String refresh(String token) {
        return "{\"action\":\"refresh\",\"data\":{\"token\":\"" + token + "\"}}";
    }

    @Test
    void webSocketIsWarnedWithTokenExpiredBeforeExpAndClosedWith4002AtExp() throws Exception {
        Instant exp = shortExpiry();
        try (WsClient client = connect(TestTokens.jwtExpiringAt(exp, "expiring-ws", TENANT, "viewer"))) {
            JsonNode warning = nextError(client, Duration.ofSeconds(10));
            Instant warnedAt = Instant.now();
            assertThat(warning.path("error").asText()).isEqualTo("TOKEN_EXPIRED");
            assertThat(warning.path("details").path("expires_at").asLong()).isEqualTo(exp.getEpochSecond());
            assertThat(warning.path("message").asText()).contains("refresh");
            assertThat(warnedAt).as("the warning comes about %s before exp", WARNING_LEAD)
                    .isAfter(exp.minus(WARNING_LEAD).minus(EARLY))
                    .isBefore(exp);
            assertThat(client.isClosed()).isFalse();

            int code = client.awaitCloseCode(Duration.between(Instant.now(), exp).plus(LATE).plusSeconds(5));
            Instant closedAt = Instant.now();
            assertThat(code).isEqualTo(CloseReason.TOKEN_EXPIRED.code()).isEqualTo(4002);
            assertThat(closedAt).as("closed at exp").isAfter(exp.minus(EARLY)).isBefore(exp.plus(LATE));
        }
        await().atMost(Duration.ofSeconds(5)).until(() ->
                JSON.readTree(server.get("/stats").body()).path("websocket").path("active_connections").asInt() == 0);
    }

    @Test
    void refreshWithAFreshTokenOfTheSameUserKeepsTheConnectionOpenPastTheFirstExp() throws Exception {
        Instant exp = shortExpiry();
        try (WsClient client = connect(TestTokens.jwtExpiringAt(exp, "refreshing-ws", TENANT, "viewer"))) {
            assertThat(nextError(client, Duration.ofSeconds(10)).path("error").asText()).isEqualTo("TOKEN_EXPIRED");

            Instant later = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(3600);
            client.send(refresh(TestTokens.jwtExpiringAt(later, "refreshing-ws", TENANT, "viewer")));
            JsonNode refreshed = client.nextOfType("refreshed");
            assertThat(refreshed.path("expires_at").asLong()).isEqualTo(later.getEpochSecond());

            // the connection stays open through the first exp and well past it
            Duration pastExp = Duration.between(Instant.now(), exp).plus(LATE);
            await().during(pastExp).atMost(pastExp.plusSeconds(5)).until(() -> !client.isClosed());
            List<JsonNode> answers = client.collectThroughPong();
            assertThat(answers).as("no expiry error nor close, just the pong").noneMatch(m -> "error".equals(m.path("type").asText()));
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void refreshWithAnotherUsersTokenIsForbiddenAndTheConnectionStillEndsAtTheOriginalExp() {
        Instant exp = shortExpiry();
        try (WsClient client = connect(TestTokens.jwtExpiringAt(exp, "victim-ws", TENANT, "viewer"))) {
            assertThat(nextError(client, Duration.ofSeconds(10)).path("error").asText()).isEqualTo("TOKEN_EXPIRED");

            String other = TestTokens.jwtExpiringAt(Instant.now().plusSeconds(3600), "someone-else", TENANT, "viewer");
            client.send(refresh(other));
            JsonNode refused = nextError(client, Duration.ofSeconds(10));
            assertThat(refused.path("error").asText()).isEqualTo("FORBIDDEN");

            // the same user in another tenant is someone else too
            client.send(refresh(TestTokens.jwtExpiringAt(Instant.now().plusSeconds(3600), "victim-ws", "tenant-other", "viewer")));
            assertThat(nextError(client, Duration.ofSeconds(10)).path("error").asText()).isEqualTo("FORBIDDEN");

            int code = client.awaitCloseCode(Duration.between(Instant.now(), exp).plus(LATE).plusSeconds(5));
            Instant closedAt = Instant.now();
            assertThat(code).isEqualTo(CloseReason.TOKEN_EXPIRED.code());
            assertThat(closedAt).isAfter(exp.minus(EARLY)).isBefore(exp.plus(LATE));
        }
    }

    @Test
    void refreshWithAnInvalidOrExpiredTokenIsUnauthorizedAndTheConnectionStaysUntilExp() {
        Instant exp = shortExpiry();
        try (WsClient client = connect(TestTokens.jwtExpiringAt(exp, "clumsy-ws", TENANT, "viewer"))) {
            // the expiry warning may come at any point in between: it is set aside, not taken for an answer
            List<JsonNode> warnings = new ArrayList<>();
            client.send(refresh("not-a-jwt"));
            assertThat(nextAnswer(client, warnings)).isEqualTo("UNAUTHORIZED");
            // expired well beyond the clock skew allowed at verification
            client.send(refresh(TestTokens.jwtExpiringAt(Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600), "clumsy-ws", TENANT, "viewer")));
            assertThat(nextAnswer(client, warnings)).isEqualTo("UNAUTHORIZED");
            client.send("{\"action\":\"refresh\",\"data\":{}}");
            assertThat(nextAnswer(client, warnings)).isEqualTo("MISSING_FIELD");
            client.send("{\"action\":\"ping\",\"data\":{}}");
            assertThat(nextAnswer(client, warnings)).isEqualTo("pong");
            assertThat(client.isClosed()).isFalse();

            // a failed refresh moved nothing: one warning, then the close at the original exp
            client.collectUntilClosed(Duration.between(Instant.now(), exp).plus(LATE).plusSeconds(5)).stream()
                    .filter(TokenExpiryIT::isExpiryWarning).forEach(warnings::add);
            assertThat(Instant.now()).isAfter(exp.minus(EARLY));
            assertThat(client.awaitCloseCode(Duration.ZERO)).isEqualTo(CloseReason.TOKEN_EXPIRED.code());
            assertThat(warnings).hasSize(1);
        }
    }

    /** The next answer to a command (the error code, or the message type), setting expiry warnings aside. */
    private static String nextAnswer(WsClient client, List<JsonNode> warnings) {
        JsonNode answer = client.nextMatching(m -> {
            if (isExpiryWarning(m)) {
                warnings.add(m);
                return false;
            }
            return !"data".equals(m.path("type").asText());
        }, Duration.ofSeconds(10));
        return "error".equals(answer.path("type").asText()) ? answer.path("error").asText() : answer.path("type").asText();
    }

    private static boolean isExpiryWarning(JsonNode message) {
        return "error".equals(message.path("type").asText()) && "TOKEN_EXPIRED".equals(message.path("error").asText());
    }

    @Test
    void refreshWithATokenLackingTheTopicsRoleRevokesThatSubscription() throws Exception {
        String topic = CURVES;
        try (WsClient client = connect(TestTokens.jwtExpiringAt(Instant.now().plusSeconds(3600), "demoted-ws", TENANT, "viewer", "analyst"))) {
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
            client.nextOfType("subscribed");

            client.send(refresh(TestTokens.jwtExpiringAt(Instant.now().plusSeconds(7200), "demoted-ws", TENANT, "viewer")));
            client.nextOfType("refreshed");
            JsonNode revoked = nextError(client, Duration.ofSeconds(10));
            assertThat(revoked.path("error").asText()).isEqualTo("SUBSCRIPTION_REVOKED");
            assertThat(revoked.path("details").path("topic").asText()).isEqualTo(topic);

            String run = UUID.randomUUID().toString();
            TestKafka.publish(topic, "k", "{\"marker\":\"" + run + "-revoked\"}");
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + run + "-sentinel\"}");
            List<JsonNode> seen = new ArrayList<>(client.collectUntilData("marker", run + "-sentinel"));
            seen.addAll(client.collectThroughPong());
            assertThat(seen).as("no record of the revoked topic").noneMatch(m -> topic.equals(m.path("topic").asText()));
        }
    }

    @Test
    void sseStreamEndsAtExpWithALastTokenExpiredErrorEventAndCloseCode4002() {
        Instant exp = shortExpiry();
        try (SseClient client = SseClient.connect(server.http("/sse/stream?token="
                + TestTokens.jwtExpiringAt(exp, "expiring-sse", TENANT, "viewer")))) {
            client.nextNamed("connection_established");

            SseClient.Event last = client.nextMatching(e -> e.name().equals("error") || e.name().equals("end-of-stream"),
                    Duration.between(Instant.now(), exp).plus(LATE).plusSeconds(5));
            Instant endedAt = Instant.now();
            assertThat(last.name()).isEqualTo("error");
            assertThat(last.json().path("error").asText()).isEqualTo("TOKEN_EXPIRED");
            assertThat(last.json().path("close_code").asInt()).isEqualTo(CloseReason.TOKEN_EXPIRED.code()).isEqualTo(4002);
            assertThat(endedAt).isAfter(exp.minus(EARLY)).isBefore(exp.plus(LATE));

            // nothing after it but the end of the stream (heartbeat comments aside)
            SseClient.Event after = client.nextMatching(e -> !e.name().equals("comment"), Duration.ofSeconds(10));
            assertThat(after.name()).isEqualTo("end-of-stream");
        }
        await().atMost(Duration.ofSeconds(5)).until(() ->
                JSON.readTree(server.get("/stats").body()).path("sse").path("active_connections").asInt() == 0);
    }
}
