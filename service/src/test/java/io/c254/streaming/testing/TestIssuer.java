package io.c254.streaming.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OpenID Connect issuer over HTTP on loopback: a discovery document and a JWKS with an RSA and
 * an EC signing key, which it can rotate. Tokens it issues are signed with its current keys (or, to
 * test rotation, with the RSA key it published before). Its JWKS can be down (HTTP 503) or held
 * until the test releases it.
 */
public final class TestIssuer implements AutoCloseable {

    public static final String AUDIENCE = "streaming-gateway";

    private final HttpServer server;
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile RSAKey rsa = newRsa();
    private volatile RSAKey retiredRsa;
    private volatile ECKey ec = newEc();
    private volatile boolean down;
    private final HeldAnswers held = new HeldAnswers();

    private TestIssuer(HttpServer server) {
        this.server = server;
    }

    public static TestIssuer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TestIssuer issuer = new TestIssuer(server);
        server.createContext("/.well-known/openid-configuration", exchange ->
                issuer.reply(exchange, "{\"issuer\":\"" + issuer.url() + "\",\"jwks_uri\":\"" + issuer.url() + "/jwks\"}"));
        server.createContext("/jwks", exchange -> {
            issuer.jwksRequests.incrementAndGet();
            issuer.held.awaitRelease();
            if (issuer.down) {
                issuer.reply(exchange, 503, "{\"error\":\"maintenance\"}");
            } else {
                issuer.reply(exchange, new JWKSet(List.<JWK>of(issuer.rsa.toPublicJWK(), issuer.ec.toPublicJWK())).toString());
            }
        });
        // requests are answered concurrently, so that a held JWKS answer does not hold the others
        server.setExecutor(issuer.handlers);
        server.start();
        return issuer;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    /** New keys with new ids; the old ones are no longer published. */
    public void rotate() {
        retiredRsa = rsa;
        rsa = newRsa();
        ec = newEc();
    }

    /** While down, the JWKS answers HTTP 503. */
    public void outage(boolean down) {
        this.down = down;
    }

    /** JWKS requests received from now on are answered only once {@link #releaseKeys()} is called (or the issuer closes). */
    public void holdKeys() {
        held.hold();
    }

    public void releaseKeys() {
        held.release();
    }

    /** The public RSA key as published, for tests that abuse it as an HMAC secret. */
    public RSAKey publicRsaKey() {
        return rsa.toPublicJWK();
    }

    /** Claims a valid token has: issuer, audience, user, tenant, roles, an hour to live. */
    public JWTClaimsSet.Builder claims(String user, String tenant, String... roles) {
        return new JWTClaimsSet.Builder()
                .issuer(url())
                .audience(AUDIENCE)
                .subject(user)
                .claim("tenant_id", tenant)
                .claim("roles", List.of(roles))
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
    }

    public String rs256(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.RS256, rsa, claims);
    }

    public String es256(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.ES256, ec, claims);
    }

    /** Signed with the RSA key this issuer published before its last {@link #rotate()}. */
    public String rs256WithRetiredKey(JWTClaimsSet claims) {
        if (retiredRsa == null) {
            throw new IllegalStateException("no key has been rotated out yet");
        }
        return sign(JWSAlgorithm.RS256, retiredRsa, claims);
    }

    /** Signed with the current RSA key but naming a key id this issuer never published, as a flood of forged tokens would. */
    public String rs256WithForgedKid(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("forged-" + UUID.randomUUID()).build(), claims);
            jwt.sign(new RSASSASigner(rsa));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signed with a key of the right kind and a published-looking id, but not one this issuer publishes. */
    public String rs256WithForeignKey(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.RS256, newRsa(), claims);
    }

    private static String sign(JWSAlgorithm algorithm, JWK key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims);
            jwt.sign(key instanceof RSAKey rsaKey ? new RSASSASigner(rsaKey) : new ECDSASigner((ECKey) key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RSAKey newRsa() {
        try {
            return new RSAKeyGenerator(2048).keyID("rsa-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey newEc() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID("ec-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private void reply(HttpExchange exchange, String json) throws IOException {
        reply(exchange, 200, json);
    }

    private void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        releaseKeys();
        server.stop(0);
        handlers.shutdownNow();
    }
}
