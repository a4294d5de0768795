package io.c254.streaming.session;

import io.c254.streaming.config.Config.RateLimits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;

import java.time.Duration;

/**
 * Inbound messages of one connection: a token bucket, and a count of refusals in a row. A client that
 * keeps flooding after being told is abusing the connection and is closed.
 */
public final class MessageRateLimit {

    /** What to do with one inbound message. */
    public enum Verdict {
        ACCEPT, REFUSE, CLOSE
    }

    private final Bucket bucket;
    private final int breachesBeforeClose;
    private int breachesInARow;

    public MessageRateLimit(RateLimits rates) {
        this(rates, TimeMeter.SYSTEM_MILLISECONDS);
    }

    /** @param clock how the bucket tells time (the system clock in production; a test may step it) */
    MessageRateLimit(RateLimits rates, TimeMeter clock) {
        this.bucket = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(rates.messageBurst()).refillGreedy(rates.messagesPerSecond(), Duration.ofSeconds(1)).build())
                .withCustomTimePrecision(clock)
                .build();
        this.breachesBeforeClose = rates.breachesBeforeClose();
    }

    /** Called on the connection's event loop only. */
    public Verdict onMessage() {
        if (bucket.tryConsume(1)) {
            breachesInARow = 0;
            return Verdict.ACCEPT;
        }
        breachesInARow++;
        return breachesInARow >= breachesBeforeClose ? Verdict.CLOSE : Verdict.REFUSE;
    }
}
