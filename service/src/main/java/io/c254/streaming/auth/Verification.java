package io.c254.streaming.auth;

import java.time.Instant;

/** The outcome of checking a token: a bad token is an expected result, not an exception. */
public sealed interface Verification {

    /** @param expiresAt when the token stops being valid, or null when it never expires (local test token) */
    record Verified(Identity identity, Instant expiresAt) implements Verification {
    }

    /** @param reason safe to show the client: names what was wrong, never echoes the token */
    record Rejected(String reason) implements Verification {
    }
}
