package io.c254.streaming.session;

import java.time.Instant;

/** What became of a connection's request to carry on with a fresh token. */
public sealed interface RefreshOutcome {

    /** @param expiresAt the new token's expiry, or null when it never expires (local test token) */
    record Refreshed(Instant expiresAt) implements RefreshOutcome {
    }

    record Refused(Problem problem) implements RefreshOutcome {
    }
}
