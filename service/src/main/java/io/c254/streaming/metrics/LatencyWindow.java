package io.c254.streaming.metrics;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Quantiles of a timer over the last seconds, for the console's live chart. The Prometheus histogram
 * counts since start (right for a scraper, which takes differences itself); this keeps a second's
 * snapshot of its buckets for each of the last {@link #WINDOW_SECONDS} seconds and reads the quantiles
 * from the difference, interpolating within a bucket as Prometheus' histogram_quantile does.
 */
public final class LatencyWindow {

    public static final int WINDOW_SECONDS = 10;

    private final Supplier<HistogramSnapshot> source;
    private final double[][] counts = new double[WINDOW_SECONDS + 1][];
    /** Every event recorded by each snapshot, those past the largest bucket (60 s) included. */
    private final long[] totals = new long[WINDOW_SECONDS + 1];
    private double[] boundsMillis = new double[0];
    private int newest = -1;
    private int samples;

    public LatencyWindow(Supplier<HistogramSnapshot> source) {
        this.source = source;
    }

    /** Takes this second's snapshot: call once a second. */
    public synchronized void sample() {
        HistogramSnapshot snapshot = source.get();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        if (boundsMillis.length != buckets.length) {
            boundsMillis = new double[buckets.length];
            for (int i = 0; i < buckets.length; i++) {
                boundsMillis[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
            }
            samples = 0;
        }
        double[] cumulative = new double[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            cumulative[i] = buckets[i].count();
        }
        newest = (newest + 1) % counts.length;
        counts[newest] = cumulative;
        totals[newest] = snapshot.count();
        samples = Math.min(samples + 1, counts.length);
    }

    /** Events recorded within the window. */
    public synchronized long count() {
        return samples < 2 ? 0 : totals[newest] - totals[oldest()];
    }

    /**
     * The q-quantile (0..1) in milliseconds of what the window recorded; empty when it recorded nothing.
     * A quantile past the largest bucket (a backlog, a replay of old records) reads as that bucket's bound.
     */
    public synchronized OptionalDouble quantileMillis(double q) {
        long count = count();
        double[] delta = delta();
        if (count <= 0 || delta.length == 0) {
            return OptionalDouble.empty();
        }
        double rank = q * count;
        for (int i = 0; i < delta.length; i++) {
            if (delta[i] >= rank) {
                double lowerBound = i == 0 ? 0 : boundsMillis[i - 1];
                double lowerCount = i == 0 ? 0 : delta[i - 1];
                double inBucket = delta[i] - lowerCount;
                double share = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return OptionalDouble.of(lowerBound + (boundsMillis[i] - lowerBound) * share);
            }
        }
        return OptionalDouble.of(boundsMillis[boundsMillis.length - 1]);
    }

    private int oldest() {
        return (newest - samples + 1 + counts.length) % counts.length;
    }

    /** Cumulative counts per bucket recorded between the oldest and the newest snapshot. */
    private double[] delta() {
        if (samples < 2) {
            return new double[0];
        }
        double[] now = counts[newest];
        double[] then = counts[oldest()];
        double[] delta = new double[now.length];
        for (int i = 0; i < now.length; i++) {
            delta[i] = now[i] - then[i];
        }
        return delta;
    }
}
