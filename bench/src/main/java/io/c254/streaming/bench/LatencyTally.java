package io.c254.streaming.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/** One receiving thread's figures: latencies of window records (µs) and how many other records it saw. */
final class LatencyTally {

    /** Anything slower than a minute is recorded as a minute: it is a failed step either way. */
    static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(1);
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Histogram histogram = newHistogram();
    private long other;

    static Histogram newHistogram() {
        return new Histogram(MAX_MICROS, SIGNIFICANT_DIGITS);
    }

    void recordLatency(long micros) {
        histogram.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
    }

    void countOther() {
        other++;
    }

    /** Read only once the thread has stopped recording. */
    Histogram histogram() {
        return histogram;
    }

    long other() {
        return other;
    }
}
