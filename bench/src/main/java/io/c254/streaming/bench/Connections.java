package io.c254.streaming.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts of the run's connections: ok, failed (with the reasons), and lost after being ok. */
final class Connections {

    /** Distinct failure reasons kept for the result line; past this they are counted as "other". */
    private static final int MAX_REASONS = 8;

    private final CountDownLatch settled;
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final Map<String, AtomicInteger> reasons = new ConcurrentHashMap<>();
    private volatile boolean closing;

    Connections(int expected) {
        this.settled = new CountDownLatch(expected);
    }

    void onOk() {
        ok.incrementAndGet();
        settled.countDown();
    }

    void onFailed(String reason) {
        failed.incrementAndGet();
        String key = reasons.size() < MAX_REASONS || reasons.containsKey(reason) ? reason : "other";
        reasons.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        settled.countDown();
    }

    void onDropped() {
        if (!closing) {
            dropped.incrementAndGet();
        }
    }

    /** The generator closes its connections now: those closes are not subscribers lost. */
    void closing() {
        closing = true;
    }

    /** True when every connection is ok or failed before the deadline. */
    boolean awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
        return settled.await(timeout, unit);
    }

    int ok() {
        return ok.get();
    }

    int failed() {
        return failed.get();
    }

    int dropped() {
        return dropped.get();
    }

    Map<String, Integer> failureReasons() {
        Map<String, Integer> copy = new TreeMap<>();
        reasons.forEach((reason, count) -> copy.put(reason, count.get()));
        return copy;
    }
}
