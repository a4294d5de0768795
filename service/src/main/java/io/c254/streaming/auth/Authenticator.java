package io.c254.streaming.auth;

import io.c254.streaming.config.Config;

import java.util.Optional;
import java.util.Set;

/**
 * Turns the token a client presents into an {@link Identity}. In local mode the well-known `test-token`
 * is accepted; anywhere, a JWT signed with the configured HMAC secret.
 */
public final class Authenticator {

    public static final String TEST_TOKEN = "test-token";
    static final Identity TEST_IDENTITY = new Identity("user-123", "tenant-1", Set.of(), true);

    private final boolean local;
    private final Optional<TokenVerifier> jwt;

    public Authenticator(boolean local, Optional<TokenVerifier> jwt) {
        this.local = local;
        this.jwt = jwt;
    }

    public static Authenticator from(Config config) {
        return new Authenticator(config.isLocal(), config.jwtSecret().map(HmacJwtVerifier::new));
    }

    /** Whether any real token can be verified (for /health): a local test token alone does not count outside local mode. */
    public boolean canVerify() {
        return local || jwt.isPresent();
    }

    public Verification authenticate(String token) {
        if (token == null || token.isBlank()) {
            return new Verification.Rejected("a token is required: pass ?token=<jwt> or an Authorization: Bearer header");
        }
        if (TEST_TOKEN.equals(token)) {
            return local
                    ? new Verification.Verified(TEST_IDENTITY, null)
                    : new Verification.Rejected("test-token is accepted only when ACCESS_ENV=local");
        }
        return jwt.map(verifier -> verifier.verify(token))
                .orElseGet(() -> new Verification.Rejected("no token verifier is configured: set ACCESS_JWT_SECRET"));
    }
}
