package io.c254.streaming.testing;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.TimeMeter;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that stands still until the test moves it, for the caches (Caffeine's {@link Ticker}) and the
 * token buckets (Bucket4j's {@link TimeMeter}) of the service: lifetimes and refills are tested exactly,
 * without waiting for them.
 */
public final class SteppedClock implements Ticker, TimeMeter {

    /** Not zero: a bucket's first refill is computed from a start in the past. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    public void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Override
    public long read() {
        return nanos.get();
    }

    @Override
    public long currentTimeNanos() {
        return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
        return false;
    }
}
