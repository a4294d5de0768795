package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `Authorization: Bearer <jwt>` instead of `?token=`, on both stream endpoints. */
class BearerTokenIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder().start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    /** A WebSocket upgrade whose only token is in the header (the JDK client would work too; this shows the bytes). */
    private static String upgradeWithBearer(String token) {
        return "GET /ws/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Authorization: Bearer " + token + "\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    }

    @Test
    void bearerHeaderOpensBothStreamEndpoints() throws Exception {
        String token = TestTokens.jwt("bearer-user", "tenant-bearer", "viewer");
        try (RawHttp ws = RawHttp.open(server.port())) {
            assertThat(ws.write(upgradeWithBearer(token)).readResponse().status()).isEqualTo(101);
            JsonNode established = JSON.readTree(ws.readWebSocketFrame().text());
            assertThat(established.path("type").asText()).isEqualTo("connection_established");
            assertThat(established.path("user_id").asText()).isEqualTo("bearer-user");
            assertThat(established.path("tenant_id").asText()).isEqualTo("tenant-bearer");
        }
        try (SseClient sse = SseClient.connect(server.http("/sse/stream"), Map.of("Authorization", "Bearer " + token))) {
            JsonNode established = sse.nextNamed("connection_established").json();
            assertThat(established.path("user_id").asText()).isEqualTo("bearer-user");
            assertThat(established.path("tenant_id").asText()).isEqualTo("tenant-bearer");
        }
    }

    @Test
    void wrongBearerTokenIsRefusedWith401UnauthorizedOnBothStreamEndpoints() throws Exception {
        String forged = signedWithAnotherSecret("bearer-user", "tenant-bearer");
        try (RawHttp ws = RawHttp.open(server.port())) {
            RawHttp.Response refused = ws.write(upgradeWithBearer(forged)).readResponse();
            assertThat(refused.status()).isEqualTo(401);
            assertUnauthorized(JSON.readTree(refused.body()));
        }
        HttpResponse<String> refused = TestServer.send(HttpRequest.newBuilder(server.http("/sse/stream"))
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + forged)
                .GET().build());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertUnauthorized(JSON.readTree(refused.body()));
    }

    private static void assertUnauthorized(JsonNode body) {
        List<String> fields = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).startsWith("error", "message");
        assertThat(body.path("error").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(body.path("message").asText()).isNotBlank();
    }

    /** A well-formed, unexpired HS256 token whose signature the server cannot verify. */
    private static String signedWithAnotherSecret(String user, String tenant) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                .subject(user)
                .claim("tenant_id", tenant)
                .claim("roles", List.of("viewer"))
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build());
        jwt.sign(new MACSigner("another-secret-of-at-least-32-bytes-long!!".getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
