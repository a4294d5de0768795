package io.c254.streaming.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.ServerFrames;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Connection limits, heartbeat and clean-up, seen from the outside: refusals, close codes, /stats. */
class ConnectionLifecycleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .env("ACCESS_HEARTBEAT_TIMEOUT", "2")
                .env("ACCESS_MAX_WS_CONNECTIONS", "4")
                .env("ACCESS_MAX_SSE_CONNECTIONS", "2")
                .env("ACCESS_MAX_CONNECTIONS_PER_USER", "2")
                .env("ACCESS_MAX_CONNECTIONS_PER_TENANT", "3")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    /** Tests share the server: each starts once the clients of the one before have gone, whatever their order. */
    @BeforeEach
    void awaitNoConnections() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(stats().path("websocket").path("active_connections").asInt()).isZero();
            assertThat(stats().path("sse").path("active_connections").asInt()).isZero();
        });
    }

    private static JsonNode stats() throws Exception {
        return JSON.readTree(server.get("/stats").body());
    }

    private static WsClient ws(String token) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + token));
        client.nextOfType("connection_established");
        return client;
    }

    @Test
    void silentWebSocketClientIsClosedAfterTheHeartbeatTimeoutAndReleased() throws Exception {
        try (RawHttp raw = RawHttp.open(server.port())) {
            RawHttp.Response upgrade = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + TestTokens.jwt("silent", "tenant-s", "viewer")))
                    .readResponse();
            assertThat(upgrade.status()).isEqualTo(101);
            await().atMost(Duration.ofSeconds(5)).until(() -> stats().path("websocket").path("active_connections").asInt() >= 1);

            // never answer the server's pings: it must give up on us, with its close frame last
            byte[] rest = raw.readToEnd();
            int closeCode = ServerFrames.lastCloseCode(rest);
            assertThat(closeCode).isEqualTo(CloseReason.HEARTBEAT_TIMEOUT.code());
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(stats().path("websocket").path("active_connections").asInt()).isZero();
            assertThat(stats().path("subscriptions").path("active_subscriptions").asInt()).isZero();
        });
    }

    @Test
    void protocolViolationIsAnsweredWithClose1002AndReleasesTheConnection() throws Exception {
        try (RawHttp raw = RawHttp.open(server.port())) {
            assertThat(raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + TestTokens.jwt("careless", "tenant-p", "viewer")))
                    .readResponse().status()).isEqualTo(101);
            // a client frame must be masked (RFC 6455 section 5.1): this one is not
            raw.write(new byte[]{(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o'});
            assertThat(ServerFrames.lastCloseCode(raw.readToEnd())).isEqualTo(1002);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> stats().path("websocket").path("active_connections").asInt() == 0);
    }

    @Test
    void respondingClientStaysConnectedPastTheTimeout() throws Exception {
        try (WsClient client = ws(TestTokens.jwt("lively", "tenant-l", "viewer"))) {
            // the JDK client answers pings by itself, as browsers do: still open after twice the timeout
            await().during(Duration.ofMillis(4_500)).atMost(Duration.ofSeconds(10)).until(() -> !client.isClosed());
            client.send("{\"action\":\"ping\",\"data\":{}}");
            assertThat(client.nextOfType("pong")).isNotNull();
        }
    }

    @Test
    void perUserLimitRefusesTheExtraConnectionWith429AndAJsonError() throws Exception {
        String token = TestTokens.jwt("busy-user", "tenant-u", "viewer");
        try (WsClient first = ws(token); WsClient second = ws(token); RawHttp raw = RawHttp.open(server.port())) {
            RawHttp.Response refused = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token)).readResponse();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("USER_CONNECTION_LIMIT_REACHED");
        }
        // the slots come back once the clients leave
        await().atMost(Duration.ofSeconds(5)).until(() -> stats().path("websocket").path("active_connections").asInt() == 0);
        try (WsClient again = ws(token)) {
            assertThat(again.isClosed()).isFalse();
        }
    }

    @Test
    void perTenantLimitCountsUsersOfTheSameTenantTogether() throws Exception {
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(ws(TestTokens.jwt("member-" + i, "tenant-t", "viewer")));
            }
            try (RawHttp raw = RawHttp.open(server.port())) {
                RawHttp.Response refused = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + TestTokens.jwt("member-9", "tenant-t"))).readResponse();
                assertThat(refused.status()).isEqualTo(429);
                assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("TENANT_CONNECTION_LIMIT_REACHED");
            }
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void globalSseCapRefusesWith503() throws Exception {
        try (SseClient a = SseClient.connect(server.http("/sse/stream?token=" + TestTokens.jwt("a", "tenant-a")));
             SseClient b = SseClient.connect(server.http("/sse/stream?token=" + TestTokens.jwt("b", "tenant-b")))) {
            a.nextNamed("connection_established");
            b.nextNamed("connection_established");
            var refused = server.get("/sse/stream?token=" + TestTokens.jwt("c", "tenant-c"));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("CONNECTION_LIMIT_REACHED");
        }
    }

    @Test
    void globalWebSocketCapRefusesWith503AndConnectionLimitReached() throws Exception {
        // 4 WebSockets in all, within the limits per user (2) and per tenant (3)
        List<WsClient> open = new ArrayList<>();
        try {
            for (String user : List.of("cap-a", "cap-a", "cap-b", "cap-b")) {
                open.add(ws(TestTokens.jwt(user, "tenant-" + user, "viewer")));
            }
            try (RawHttp raw = RawHttp.open(server.port())) {
                RawHttp.Response refused = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + TestTokens.jwt("cap-c", "tenant-cap-c")))
                        .readResponse();
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Upgrade")).isNull();
                assertThat(refused.header("Retry-After")).isNotNull().matches("\\d+");
                JsonNode body = JSON.readTree(refused.body());
                assertThat(body.path("error").asText()).isEqualTo("CONNECTION_LIMIT_REACHED");
                assertThat(body.path("message").asText()).contains("4");
            }
            // the cap is per transport: an SSE stream still opens
            try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=" + TestTokens.jwt("cap-c", "tenant-cap-c")))) {
                assertThat(sse.nextNamed("connection_established").json().path("user_id").asText()).isEqualTo("cap-c");
            }
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void closingAClientReleasesItsSubscriptionsAndCounts() throws Exception {
        int before = stats().path("subscriptions").path("active_subscriptions").asInt();
        WsClient client = ws("test-token");
        await().atMost(Duration.ofSeconds(5)).until(() -> stats().path("subscriptions").path("active_subscriptions").asInt() == before + 1);
        assertThat(stats().path("subscriptions").path("topics").path("served.market.latest_prices.v1").asInt()).isGreaterThanOrEqualTo(1);
        client.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(stats().path("subscriptions").path("active_subscriptions").asInt()).isEqualTo(before);
            assertThat(stats().path("websocket").path("active_connections").asInt()).isZero();
        });
        assertThat(stats().path("websocket").path("total_connections").asInt()).isGreaterThanOrEqualTo(1);
    }
}
