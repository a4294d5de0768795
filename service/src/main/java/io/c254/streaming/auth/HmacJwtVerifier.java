package io.c254.streaming.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * HS256 JWTs signed with a shared secret. Only HS256 is accepted: `alg=none` and every other algorithm
 * are rejected by the key selector. `sub` and `exp` are required; `sub` is the user, `tenant_id` the
 * tenant, `roles` a list (or space-separated string) of roles.
 */
public final class HmacJwtVerifier implements TokenVerifier {

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public HmacJwtVerifier(String secret) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(key)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(null, Set.of("sub", "exp")));
    }

    @Override
    public Verification verify(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            return new Verification.Rejected("token is not a JWT");
        } catch (BadJOSEException | JOSEException e) {
            return new Verification.Rejected("token rejected: " + e.getMessage());
        }
        try {
            if (claims.getSubject() == null || claims.getSubject().isBlank()) {
                return new Verification.Rejected("token has no sub claim (the user id)");
            }
            String tenant = claims.getStringClaim("tenant_id");
            if (tenant == null || tenant.isBlank()) {
                return new Verification.Rejected("token has no tenant_id claim");
            }
            Identity identity = new Identity(claims.getSubject(), tenant, roles(claims.getClaim("roles")), false);
            return new Verification.Verified(identity, claims.getExpirationTime().toInstant());
        } catch (ParseException e) {
            return new Verification.Rejected("token claim tenant_id must be a string");
        }
    }

    private static Set<String> roles(Object claim) {
        Set<String> roles = new HashSet<>();
        if (claim instanceof List<?> list) {
            list.forEach(role -> roles.add(String.valueOf(role)));
        } else if (claim instanceof String text) {
            roles.addAll(Arrays.asList(text.trim().split("\\s+")));
        }
        roles.remove("");
        return roles;
    }
}
