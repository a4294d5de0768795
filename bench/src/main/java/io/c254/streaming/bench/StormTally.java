package io.c254.streaming.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the storm clients met in one phase (their first connections, or the reconnect after the drop): attempts,
 * refusals by HTTP status and error code, the Retry-After values they were told, failures without an answer,
 * and when each client was back, counted from the phase's start.
 */
final class StormTally {

    private final long startNanos = System.nanoTime();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder back = new LongAdder();
    private final LongAdder gaveUp = new LongAdder();
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> retryAfter = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Histogram backMillis = new ConcurrentHistogram(TimeUnit.HOURS.toMillis(1), 3);
    private volatile long lastBackNanos;

    void onAttempt() {
        attempts.increment();
    }

    void onBack() {
        long now = System.nanoTime();
        backMillis.recordValue(Math.min(TimeUnit.HOURS.toMillis(1), TimeUnit.NANOSECONDS.toMillis(now - startNanos)));
        lastBackNanos = now;
        back.increment();
    }

    /** @param retryAfter the header as sent, or "none" */
    void onRefused(int status, String code, String retryAfter) {
        count(refusals, status + " " + code);
        count(this.retryAfter, retryAfter);
    }

    void onError(String reason) {
        count(errors, reason);
    }

    void onGaveUp() {
        gaveUp.increment();
    }

    long back() {
        return back.sum();
    }

    ResultLine figures(int clients) {
        return new ResultLine()
                .put("clients", clients)
                .put("back", back.sum())
                .put("gave_up", gaveUp.sum())
                .put("all_back_s", back.sum() == clients && clients > 0 ? (lastBackNanos - startNanos) / 1e9 : -1)
                .put("attempts", attempts.sum())
                .putCounts("refusals", counts(refusals))
                .putCounts("retry_after_s", counts(retryAfter))
                .putCounts("errors", counts(errors))
                .put("back_ms", new ResultLine()
                        .put("p50", backMillis.getValueAtPercentile(50))
                        .put("p90", backMillis.getValueAtPercentile(90))
                        .put("p99", backMillis.getValueAtPercentile(99))
                        .put("max", backMillis.getMaxValue()));
    }

    private static void count(Map<String, LongAdder> counts, String key) {
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private static Map<String, Long> counts(Map<String, LongAdder> counts) {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.sum()));
        return copy;
    }
}
