package io.c254.streaming.transport;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The `Retry-After` of a refusal (429, 503), spread at random between the earliest moment a retry can
 * succeed and twice that: thousands of clients refused in the same second (an instance that died, a
 * network that came back) then come back over several seconds instead of all in the next one.
 */
final class RetryAfter {

    /** When a refusal says nothing more precise. */
    static final long DEFAULT_SECONDS = 5;

    private RetryAfter() {
    }

    static String jittered(long earliestSeconds) {
        long base = Math.max(1, earliestSeconds);
        return Long.toString(base + ThreadLocalRandom.current().nextLong(base + 1));
    }
}
