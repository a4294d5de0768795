package io.c254.streaming.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One series of the soak over its samples after the warm-up: where it started, stood in the middle and ended, its
 * early maximum, its least-squares slope, and whether its rule fails it.
 *
 * @param slopePer10Min the fitted growth per 10 minutes, in the series' unit
 */
record SeriesTrend(SoakSeries series, int samples, double start, double middle, double end, double earlyMax,
                   double mean, double slopePer10Min, boolean failed) {

    /** @param times seconds since the run began; @param values the series, NaN where a sample lacks it */
    static SeriesTrend of(SoakSeries series, double[] times, double[] values, double warmupSeconds) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < times.length; i++) {
            if (times[i] >= warmupSeconds && !Double.isNaN(values[i])) {
                points.add(new double[] {times[i], values[i]});
            }
        }
        int n = points.size();
        if (n < 3) {
            return new SeriesTrend(series, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false);
        }
        double earlyMax = points.subList(0, Math.max(1, n / 4)).stream().mapToDouble(p -> p[1]).max().orElseThrow();
        double[] last = points.subList(n - 3, n).stream().mapToDouble(p -> p[1]).sorted().toArray();
        double end = last[1];
        double mean = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double slope = slope(points) * 600;
        return new SeriesTrend(series, n, points.get(0)[1], points.get(n / 2)[1], end, earlyMax, mean, slope,
                fails(series.rule(), end, earlyMax, mean, slope));
    }

    boolean judged() {
        return series.rule() != null && samples >= 3;
    }

    private static boolean fails(SoakSeries.TrendRule rule, double end, double earlyMax, double mean, double slopePer10Min) {
        if (rule == null) {
            return false;
        }
        boolean rising = Double.isNaN(rule.maxSlopeShare()) || slopePer10Min > rule.maxSlopeShare() * Math.abs(mean);
        return rising && end > earlyMax + rule.margin();
    }

    /** Least squares: value per second. */
    private static double slope(List<double[]> points) {
        double meanT = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double meanV = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (double[] p : points) {
            covariance += (p[0] - meanT) * (p[1] - meanV);
            variance += (p[0] - meanT) * (p[0] - meanT);
        }
        return variance == 0 ? 0 : covariance / variance;
    }
}
