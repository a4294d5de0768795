package io.c254.streaming.bench;

/**
 * The figures the soak records every sample, in the CSV's column order. Those with a {@link TrendRule} fail the
 * soak when they trend upward; the others are context (they move with the load, not with a leak).
 */
enum SoakSeries {

    /** Objects reachable after a full collection (class histogram, collector fillers left out). */
    HEAP_LIVE_BYTES("heap_live_bytes", "bytes", TrendRule.growth(0.05, 0)),
    HEAP_USED_AFTER_GC_BYTES("heap_used_after_gc_bytes", "bytes", null),
    RSS_KB("rss_kb", "KiB", TrendRule.growth(0.05, 16 * 1024)),
    /**
     * Native memory outside the heap that buffers take: NMT's "Other" category, where Unsafe.allocateMemory lands,
     * which is how Netty allocates direct buffers without a cleaner (invisible to the JVM's buffer pool figures).
     */
    DIRECT_NMT_OTHER_KB("direct_nmt_other_kb", "KiB", TrendRule.growth(0.05, 16 * 1024)),
    JVM_DIRECT_BUFFER_BYTES("jvm_direct_buffer_bytes", "bytes", null),
    /** Direct memory of Netty's pooled allocator (its /metrics); it grows by whole chunks. */
    NETTY_DIRECT_BYTES("netty_direct_bytes", "bytes", TrendRule.growth(0.05, 16 * 1024 * 1024)),
    OPEN_FILES("open_files", "count", null),
    /** Open files less the connections the gateway knows of: sockets it forgot to close show here. */
    OPEN_FILES_BEYOND_CONNECTIONS("open_files_beyond_connections", "count", TrendRule.above(16)),
    THREADS("threads", "count", TrendRule.above(8)),
    EVENT_LOOP_PENDING_TASKS_MAX("event_loop_pending_tasks_max", "tasks", TrendRule.above(100)),
    EVENT_LOOP_PENDING_TASKS_SUM("event_loop_pending_tasks_sum", "tasks", null),
    CONNECTIONS_ACTIVE("connections_active", "count", null),
    CONNECTIONS_PENDING("connections_pending", "count", null),
    MESSAGES_SENT("messages_sent_total", "count", null);

    private final String column;
    private final String unit;
    private final TrendRule rule;

    SoakSeries(String column, String unit, TrendRule rule) {
        this.column = column;
        this.unit = unit;
        this.rule = rule;
    }

    String column() {
        return column;
    }

    String unit() {
        return unit;
    }

    /** Null for a series that is context only. */
    TrendRule rule() {
        return rule;
    }

    /**
     * When a series fails: its least-squares slope over the samples after the warm-up exceeds {@code maxSlopeShare}
     * of its mean per 10 minutes (when given), and it ends (median of its last three samples) more than
     * {@code margin} above its early maximum (the highest of the first quarter after the warm-up). Both, so
     * that noise around a flat line passes and a rise that levels off early passes.
     */
    record TrendRule(double maxSlopeShare, double margin) {

        static TrendRule growth(double maxSlopeShare, double margin) {
            return new TrendRule(maxSlopeShare, margin);
        }

        static TrendRule above(double margin) {
            return new TrendRule(Double.NaN, margin);
        }

        String describe(String unit) {
            String end = margin == 0 ? "ends above its early max" : "ends more than " + format(margin) + " " + unit + " above its early max";
            return Double.isNaN(maxSlopeShare) ? end : "slope > " + Math.round(maxSlopeShare * 100) + " % of mean per 10 min and " + end;
        }

        private static String format(double value) {
            return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
        }
    }
}
