package io.c254.streaming.bench;

import java.util.Locale;

/** The few figures of a load shape's phases that its summary log line shows (bench/run.sh prints them). */
final class Summary {

    private Summary() {
    }

    static String phase(PhasedDeliveries.Phase phase, int receivers) {
        LatencySummary latency = phase.latency();
        long expected = phase.expected(receivers);
        return String.format(Locale.ROOT, "p50 %.2f p99 %.2f max %.2f ms, loss %d of %d", latency.p50(), latency.p99(),
                latency.max(), expected - phase.delivered(), expected);
    }

    /** Live heap (after a full collection) in MiB at each named reading of {@code gateway}. */
    static String heaps(ResultLine gateway, String... readings) {
        StringBuilder out = new StringBuilder();
        for (String reading : readings) {
            String bytes = gateway.text(reading).replaceAll(".*\"heap_live_bytes\":(\\d+).*", "$1");
            out.append(out.isEmpty() ? "" : ", ").append(reading).append(' ')
                    .append(bytes.matches("\\d+") ? String.format(Locale.ROOT, "%.1f MiB", Long.parseLong(bytes) / 1048576.0) : "?");
        }
        return out.toString();
    }
}
