package io.c254.streaming.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** Real HS256 JWTs signed with the test server's secret. */
public final class TestTokens {

    private TestTokens() {
    }

    public static String jwt(String user, String tenant, String... roles) {
        return sign(new JWTClaimsSet.Builder()
                .subject(user)
                .claim("tenant_id", tenant)
                .claim("roles", List.of(roles))
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build());
    }

    /** An HS256 token like {@link #jwt} whose `exp` is the given instant (JWTs carry whole seconds: pass one without a fraction). */
    public static String jwtExpiringAt(java.time.Instant expiresAt, String user, String tenant, String... roles) {
        return sign(new JWTClaimsSet.Builder()
                .subject(user)
                .claim("tenant_id", tenant)
                .claim("roles", List.of(roles))
                .expirationTime(Date.from(expiresAt))
                .build());
    }

    public static String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(TestServer.JWT_SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
