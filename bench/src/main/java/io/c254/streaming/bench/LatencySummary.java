package io.c254.streaming.bench;

import org.HdrHistogram.Histogram;

/** The percentiles a result line reports, in milliseconds. */
record LatencySummary(long count, double p50, double p90, double p99, double p999, double max) {

    static LatencySummary of(Histogram micros) {
        return new LatencySummary(
                micros.getTotalCount(),
                millis(micros.getValueAtPercentile(50)),
                millis(micros.getValueAtPercentile(90)),
                millis(micros.getValueAtPercentile(99)),
                millis(micros.getValueAtPercentile(99.9)),
                millis(micros.getMaxValue()));
    }

    boolean empty() {
        return count == 0;
    }

    private static double millis(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
