package io.c254.streaming.http;

import java.util.function.LongSupplier;

/**
 * A rate over a sliding window: samples a running total once a second (call {@link #sample()} from a
 * timer) and reports the average per second over the last {@link #WINDOW_SECONDS} seconds.
 */
final class Throughput {

    static final int WINDOW_SECONDS = 10;

    private final LongSupplier total;
    private final long[] totals = new long[WINDOW_SECONDS + 1];
    private final long[] times = new long[WINDOW_SECONDS + 1];
    private int newest = -1;
    private int count;

    Throughput(LongSupplier total) {
        this.total = total;
    }

    synchronized void sample() {
        sample(System.nanoTime(), total.getAsLong());
    }

    synchronized void sample(long nanos, long value) {
        newest = (newest + 1) % totals.length;
        totals[newest] = value;
        times[newest] = nanos;
        count = Math.min(count + 1, totals.length);
    }

    synchronized double perSecond() {
        if (count < 2) {
            return 0;
        }
        int oldest = (newest - count + 1 + totals.length) % totals.length;
        double seconds = (times[newest] - times[oldest]) / 1e9;
        return seconds <= 0 ? 0 : (totals[newest] - totals[oldest]) / seconds;
    }
}
