package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cross-site WebSocket hijacking: outside local mode a browser page of a foreign origin cannot open a
 * stream with a visitor's credentials. Refused before any upgrade or stream, with 403 FORBIDDEN.
 * Clients that send no Origin (not browsers) are not concerned.
 */
class OriginCheckIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD = "https://good.example.com";
    private static final String EVIL = "https://evil.example.com";

    private static TestServer production;
    private static TestServer local;

    @BeforeAll
    static void start() {
        production = TestServer.builder()
                .env("ACCESS_ENV", "production")
                .env("ACCESS_ALLOWED_ORIGINS", GOOD)
                .start();
        local = TestServer.builder().start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (production != null) {
            production.close();
        }
        if (local != null) {
            local.close();
        }
    }

    private static String token(String user) {
        return TestTokens.jwt(user, "tenant-origin", "viewer");
    }

    private static JsonNode stats(TestServer server) throws Exception {
        return JSON.readTree(server.get("/stats").body());
    }

    @Test
    void webSocketUpgradeFromADisallowedOriginIsRefusedWith403ForbiddenBeforeTheUpgrade() throws Exception {
        int before = stats(production).path("websocket").path("total_connections").asInt();
        try (RawHttp raw = RawHttp.open(production.port())) {
            RawHttp.Response response = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token("evil-ws"), EVIL)).readResponse();

            assertThat(response.status()).isEqualTo(403);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.header("Upgrade")).isNull();
            assertThat(response.header("Sec-WebSocket-Accept")).isNull();
            // a foreign page must not even learn it may read the answer
            assertThat(response.header("Access-Control-Allow-Origin")).isNull();
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("error").asText()).isEqualTo("FORBIDDEN");
            assertThat(body.path("message").asText()).contains(EVIL);
            // nothing follows the refusal: no frame, no data; the server ends the exchange
            assertThat(raw.readToEnd()).isEmpty();
        }
        assertThat(stats(production).path("websocket").path("total_connections").asInt()).isEqualTo(before);
    }

    @Test
    void disallowedOriginIsRefusedEvenBeforeTheTokenIsLookedAt() throws Exception {
        try (RawHttp raw = RawHttp.open(production.port())) {
            RawHttp.Response response = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=not-a-jwt", EVIL)).readResponse();
            assertThat(response.status()).isEqualTo(403);
            assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo("FORBIDDEN");
        }
    }

    @Test
    void webSocketUpgradeFromTheAllowedOriginIsAccepted() throws Exception {
        try (RawHttp raw = RawHttp.open(production.port())) {
            RawHttp.Response response = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token("good-ws"), GOOD)).readResponse();
            assertThat(response.status()).isEqualTo(101);
            RawHttp.Frame first = raw.readWebSocketFrame();
            assertThat(first).isNotNull();
            assertThat(first.opcode()).isEqualTo(1);
            JsonNode established = JSON.readTree(first.text());
            assertThat(established.path("type").asText()).isEqualTo("connection_established");
            assertThat(established.path("user_id").asText()).isEqualTo("good-ws");
        }
    }

    @Test
    void webSocketUpgradeWithoutOriginHeaderFromANonBrowserClientIsAccepted() throws Exception {
        try (RawHttp raw = RawHttp.open(production.port())) {
            RawHttp.Response response = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token("cli-ws"))).readResponse();
            assertThat(response.status()).isEqualTo(101);
            RawHttp.Frame first = raw.readWebSocketFrame();
            assertThat(first).isNotNull();
            assertThat(JSON.readTree(first.text()).path("type").asText()).isEqualTo("connection_established");
        }
    }

    @Test
    void sseStreamFromADisallowedOriginIsRefusedWith403AndNoStream() throws Exception {
        int before = stats(production).path("sse").path("total_connections").asInt();
        HttpResponse<String> response = TestServer.send(HttpRequest.newBuilder(production.http("/sse/stream?token=" + token("evil-sse")))
                .header("Accept", "text/event-stream")
                .header("Origin", EVIL)
                .timeout(Duration.ofSeconds(15))
                .GET().build());

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("access-control-allow-origin")).isEmpty();
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("error").asText()).isEqualTo("FORBIDDEN");
        // the whole body is the error: no event of a stream
        assertThat(response.body()).doesNotContain("event:").doesNotContain("connection_established");
        assertThat(stats(production).path("sse").path("total_connections").asInt()).isEqualTo(before);
    }

    @Test
    void sseStreamFromTheAllowedOriginStartsAndNamesTheOriginForCors() throws Exception {
        try (RawHttp raw = RawHttp.open(production.port())) {
            raw.write("GET /sse/stream?token=" + token("good-sse") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "Origin: " + GOOD + "\r\n\r\n");
            RawHttp.Response response = raw.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Content-Type")).startsWith("text/event-stream");
            assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(GOOD);
        }
    }

    @Test
    void localModeAllowsAnyOriginForWebSocketAndSse() throws Exception {
        try (RawHttp raw = RawHttp.open(local.port())) {
            RawHttp.Response response = raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=test-token", EVIL)).readResponse();
            assertThat(response.status()).isEqualTo(101);
            RawHttp.Frame first = raw.readWebSocketFrame();
            assertThat(first).isNotNull();
            assertThat(JSON.readTree(first.text()).path("type").asText()).isEqualTo("connection_established");
        }
        try (RawHttp raw = RawHttp.open(local.port())) {
            raw.write("GET /sse/stream?token=test-token HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "Origin: " + EVIL + "\r\n\r\n");
            RawHttp.Response response = raw.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(EVIL);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> stats(local).path("sse").path("active_connections").asInt() == 0
                && stats(local).path("websocket").path("active_connections").asInt() == 0);
    }
}
