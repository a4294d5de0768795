package io.c254.streaming.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.c254.streaming.config.Config.AuthSettings;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies signed JWTs with an explicit algorithm allow-list: asymmetric algorithms against the auth
 * service's keys, HS256 against the shared secret. The two never mix: an HS256 token is checked with
 * the secret only, so a token "signed" with a public key as HMAC secret fails; `alg=none` is no
 * signed JWT at all. `exp` is required; `nbf`, `iss` and `aud` are checked with a small clock skew.
 * May block (fetching keys on an unknown `kid`): call it off the event loops.
 */
public final class JwtVerifier implements TokenVerifier {

    private final ClaimMapping mapping;
    private final Optional<DefaultJWTProcessor<SecurityContext>> remote;
    private final Optional<DefaultJWTProcessor<SecurityContext>> hmac;
    private final Set<JWSAlgorithm> remoteAlgorithms;

    public JwtVerifier(AuthSettings settings, Optional<JWKSource<SecurityContext>> remoteKeys) {
        this.mapping = new ClaimMapping(settings.userClaim(), settings.tenantClaim(), settings.rolesClaim());
        this.remoteAlgorithms = settings.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        this.remote = remoteKeys.map(keys -> processor(new JWSVerificationKeySelector<>(remoteAlgorithms, keys), settings));
        this.hmac = settings.jwtSecret().map(secret -> processor(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                new ImmutableSecret<>(secret.getBytes(StandardCharsets.UTF_8))), settings));
    }

    private DefaultJWTProcessor<SecurityContext> processor(JWSVerificationKeySelector<SecurityContext> keys, AuthSettings settings) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keys);
        Set<String> required = new HashSet<>(Set.of("exp", settings.userClaim()));
        JWTClaimsSet exact = settings.issuer().map(issuer -> new JWTClaimsSet.Builder().issuer(issuer).build())
                .orElse(new JWTClaimsSet.Builder().build());
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                settings.audience().map(Set::of).orElse(null), exact, required, null);
        claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
        return processor;
    }

    @Override
    public Verification verify(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            return new Verification.Rejected("token is not a JWT");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            return new Verification.Rejected("token is not signed (alg=none and encrypted tokens are not accepted)");
        }
        JWSAlgorithm algorithm = signed.getHeader().getAlgorithm();
        Optional<DefaultJWTProcessor<SecurityContext>> processor = JWSAlgorithm.HS256.equals(algorithm) ? hmac
                : remoteAlgorithms.contains(algorithm) ? remote : Optional.empty();
        if (processor.isEmpty()) {
            return new Verification.Rejected("token algorithm " + algorithm + " is not accepted; accepted: " + accepted());
        }
        try {
            JWTClaimsSet claims = processor.get().process(signed, null);
            return mapping.identity(claims, claims.getExpirationTime().toInstant());
        } catch (BadJOSEException | JOSEException e) {
            return new Verification.Rejected("token rejected: " + e.getMessage());
        }
    }

    private String accepted() {
        Set<String> names = new java.util.TreeSet<>();
        remote.ifPresent(p -> remoteAlgorithms.forEach(a -> names.add(a.getName())));
        hmac.ifPresent(p -> names.add("HS256"));
        return names.isEmpty() ? "none configured" : String.join(", ", names);
    }
}
