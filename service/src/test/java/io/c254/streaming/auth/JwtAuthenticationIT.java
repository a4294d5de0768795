package io.c254.streaming.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestIssuer;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Tokens from a real OpenID Connect issuer (discovery + JWKS over HTTP), in production mode. */
class JwtAuthenticationIT {

    /** The shortest refresh interval the service takes. */
    private static final Duration REFRESH = Duration.ofSeconds(10);
    private static TestIssuer issuer;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        server = TestServer.builder()
                .env("ACCESS_ENV", "production")
                .env("ACCESS_AUTH_SERVICE_URL", issuer.url())
                .env("ACCESS_JWT_ISSUER", issuer.url())
                .env("ACCESS_JWT_AUDIENCE", TestIssuer.AUDIENCE)
                .env("ACCESS_JWKS_REFRESH_SECONDS", Long.toString(REFRESH.toSeconds()))
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
        issuer.close();
    }

    private static WsClient connect(String token) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + token));
        return client;
    }

    /** The status and error code of an upgrade attempt with this token. */
    private static RawHttp.Response attempt(String token) throws Exception {
        try (RawHttp http = RawHttp.open(server.port())) {
            return http.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token)).readResponse();
        }
    }

    @Test
    void outsideLocalModeAControlRequestWithoutATokenIsRefused() {
        HttpResponse<String> response = server.postForm("/sse/subscribe", "connection_id=conn-1&topic=" + TopicRegistry.LATEST_PRICES);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("\"error\":\"UNAUTHORIZED\"", "a token is required");
    }

        private static void assertRefused(String token, String reasonFragment) throws Exception {
        RawHttp.Response response = attempt(token);
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("\"error\":\"UNAUTHORIZED\"").containsIgnoringCase(reasonFragment);
    }

    @Test
    void rs256AndEs256TokensFromTheIssuerAreAcceptedWithTheirClaims() {
        Map<String, String> userByToken = Map.of(
                issuer.rs256(issuer.claims("alice", "acme", "viewer").build()), "alice",
                issuer.es256(issuer.claims("bob", "acme", "viewer").build()), "bob");
        userByToken.forEach((token, user) -> {
            try (WsClient client = connect(token)) {
                JsonNode established = client.nextOfType("connection_established");
                assertThat(established.path("user_id").asText()).isEqualTo(user);
                assertThat(established.path("tenant_id").asText()).isEqualTo("acme");
            }
        });
    }

    @Test
    void unsignedForgedAndMisdirectedTokensAreRefusedBeforeTheUpgrade() throws Exception {
        JWTClaimsSet good = issuer.claims("mallory", "acme", "admin").build();
        assertRefused(new PlainJWT(good).serialize(), "not signed");
        assertRefused(issuer.rs256WithForeignKey(good), "rejected");
        assertRefused(hs256WithThePublicKeyAsSecret(good), "rejected");
        assertRefused(issuer.rs256(new JWTClaimsSet.Builder(good).expirationTime(Date.from(Instant.now().minusSeconds(3600))).build()), "expired");
        assertRefused(issuer.rs256(new JWTClaimsSet.Builder(good).notBeforeTime(Date.from(Instant.now().plusSeconds(3600))).build()), "rejected");
        assertRefused(issuer.rs256(new JWTClaimsSet.Builder(good).issuer("https://elsewhere.example.com").build()), "iss");
        assertRefused(issuer.rs256(new JWTClaimsSet.Builder(good).audience("another-service").build()), "aud");
        assertRefused(issuer.rs256(new JWTClaimsSet.Builder(good).claim("tenant_id", null).build()), "tenant_id");
        assertRefused("test-token", "ACCESS_ENV=local");
        assertRefused("not.a.jwt", "not a JWT");
    }

    /** The HS/RS confusion attack: an HMAC "signature" made with the issuer's public key, which anyone can fetch. */
    private static String hs256WithThePublicKeyAsSecret(JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuer.publicRsaKey().getKeyID()).build(), claims);
        jwt.sign(new MACSigner(issuer.publicRsaKey().toRSAPublicKey().getEncoded()));
        return jwt.serialize();
    }

    @Test
    void keyRotationLetsNewTokensInKeepsOpenConnectionsStreamingAndRefusesTheOldKey() throws Exception {
        String signedWithTheOldKey = issuer.rs256(issuer.claims("frank", "acme", "viewer").build());
        try (WsClient before = connect(issuer.rs256(issuer.claims("carol", "acme", "viewer").build()))) {
            before.nextOfType("connection_established");
            int fetches = issuer.jwksRequests();

            issuer.rotate();
            try (WsClient after = connect(issuer.rs256(issuer.claims("dave", "acme", "viewer").build()))) {
                assertThat(after.nextOfType("connection_established").path("user_id").asText()).isEqualTo("dave");
                assertThat(issuer.jwksRequests()).as("the unknown key id made the gateway fetch the keys again").isGreaterThan(fetches);

                String marker = UUID.randomUUID().toString();
                TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");
                assertThat(before.nextData("marker", marker)).isNotNull();
                assertThat(after.nextData("marker", marker)).isNotNull();
            }
        }
        // the old key is gone from the JWKS: a token it signed, valid in every other way, no longer opens a connection
        assertRefused(signedWithTheOldKey, "rejected");
    }

    @Test
    void signingKeysAreFetchedAgainEveryRefreshIntervalWithoutAnyToken() {
        // a connection proves the keys were loaded; from then on no token arrives that could make the gateway fetch
        try (WsClient client = connect(issuer.rs256(issuer.claims("grace", "acme", "viewer").build()))) {
            client.nextOfType("connection_established");
        }
        int fetches = issuer.jwksRequests();
        await().atMost(REFRESH.plusSeconds(10)).until(() -> issuer.jwksRequests() > fetches);
    }

    @Test
    void rolesAtADottedPathAndAnotherUserClaimAreMappedAsConfigured() throws Exception {
        try (TestServer keycloakStyle = TestServer.builder()
                .env("ACCESS_ENV", "production")
                .env("ACCESS_AUTH_SERVICE_URL", issuer.url())
                .env("ACCESS_JWT_USER_CLAIM", "preferred_username")
                .env("ACCESS_JWT_ROLES_CLAIM", "realm_access.roles")
                .start();
             WsClient client = WsClient.connect(keycloakStyle.ws("/ws/stream?token=" + issuer.rs256(issuer.claims("ignored-sub", "acme")
                     .claim("preferred_username", "erin")
                     .claim("realm_access", Map.of("roles", List.of("analyst")))
                     .build())))) {
            assertThat(client.nextOfType("connection_established").path("user_id").asText()).isEqualTo("erin");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TopicRegistry.CURVE_UPDATES + "\"]}}");
            assertThat(client.nextOfType("subscribed").path("topics").get(0).asText()).isEqualTo(TopicRegistry.CURVE_UPDATES);
        }
    }
}
