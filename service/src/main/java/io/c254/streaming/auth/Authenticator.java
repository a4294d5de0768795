package io.c254.streaming.auth;

import io.c254.streaming.config.Config;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Turns the token a client presents into an {@link Identity}. In local mode the well-known `test-token`
 * is accepted; anywhere, JWTs that the {@link JwtVerifier} accepts. Verifying may fetch keys, so it
 * runs on the given executor (virtual threads), never on an event loop.
 */
public final class Authenticator {

    public static final String TEST_TOKEN = "test-token";
    static final Identity TEST_IDENTITY = new Identity("user-123", "tenant-1", Set.of(), true);

    private final boolean local;
    private final Optional<TokenVerifier> jwt;
    private final Executor blocking;
    private final boolean hmac;
    private final Optional<RemoteKeys> keys;

    public Authenticator(boolean local, Optional<TokenVerifier> jwt, Executor blocking) {
        this(local, jwt, blocking, jwt.isPresent(), Optional.empty());
    }

    private Authenticator(boolean local, Optional<TokenVerifier> jwt, Executor blocking, boolean hmac, Optional<RemoteKeys> keys) {
        this.local = local;
        this.jwt = jwt;
        this.blocking = blocking;
        this.hmac = hmac;
        this.keys = keys;
    }

    public static Authenticator from(Config config, RemoteKeys keys, Executor blocking) {
        TokenVerifier verifier = new JwtVerifier(config.auth(), Optional.of(keys));
        return new Authenticator(config.isLocal(), Optional.of(verifier), blocking, config.auth().jwtSecret().isPresent(), Optional.of(keys));
    }

    /** Local mode: the well-known test token is accepted (README: never in a deployment). */
    public boolean isLocal() {
        return local;
    }

        /** Tokens can be verified now: local mode, a shared secret, or signing keys loaded recently. */
    public boolean canVerify() {
        return local || hmac || keys.map(RemoteKeys::fresh).orElse(false);
    }

    public CompletionStage<Verification> authenticate(String token) {
        if (token == null || token.isBlank() || TEST_TOKEN.equals(token) || jwt.isEmpty()) {
            return CompletableFuture.completedFuture(authenticateNow(token));
        }
        return CompletableFuture.supplyAsync(() -> authenticateNow(token), blocking);
    }

    /** The same decision, on the calling thread; it may block. */
    public Verification authenticateNow(String token) {
        if (token == null || token.isBlank()) {
            return new Verification.Rejected("a token is required: pass ?token=<jwt> or an Authorization: Bearer header");
        }
        if (TEST_TOKEN.equals(token)) {
            return local
                    ? new Verification.Verified(TEST_IDENTITY, null)
                    : new Verification.Rejected("test-token is accepted only when ACCESS_ENV=local");
        }
        return jwt.map(verifier -> verifier.verify(token))
                .orElseGet(() -> new Verification.Rejected("no token verifier is configured: set ACCESS_AUTH_SERVICE_URL or ACCESS_JWT_SECRET"));
    }
}
