package io.c254.streaming.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What the soak's clients did and met, by name ("ws connects", "ws closed 4001", "sse subscribe ok", ...). */
final class SoakActivity {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void count(String what) {
        counts.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    long get(String what) {
        LongAdder count = counts.get(what);
        return count == null ? 0 : count.sum();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((what, count) -> copy.put(what, count.sum()));
        return copy;
    }
}
