package io.c254.streaming.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes one sample of the gateway for the soak: a full collection and its live heap, the process figures from
 * /proc, native memory (NMT, when the gateway runs with -XX:NativeMemoryTracking) and its /metrics.
 */
final class SoakSampler {

    private static final Pattern NMT_OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    private final GatewayProbe probe;

    SoakSampler(GatewayProbe probe) {
        this.probe = probe;
    }

    /** Every series; NaN for a figure that could not be read. */
    Map<SoakSeries, Double> sample() {
        Map<SoakSeries, Double> sample = new EnumMap<>(SoakSeries.class);
        GatewayProbe.HeapReading heap = probe.heapAfterGc();
        sample.put(SoakSeries.HEAP_LIVE_BYTES, value(heap.liveBytes()));
        sample.put(SoakSeries.HEAP_USED_AFTER_GC_BYTES, value(heap.usedBytes()));
        sample.put(SoakSeries.RSS_KB, value(probe.rssKb()));
        sample.put(SoakSeries.DIRECT_NMT_OTHER_KB, nmtOtherKb());
        OptionalLong openFiles = probe.process().openFiles();
        sample.put(SoakSeries.OPEN_FILES, value(openFiles));
        sample.put(SoakSeries.THREADS, value(probe.process().threads()));
        MetricsScrape metrics = probe.scrape();
        double connections = metrics.sum("connections_active");
        double pending = metrics.sum("connections_pending");
        sample.put(SoakSeries.OPEN_FILES_BEYOND_CONNECTIONS, openFiles.isPresent() ? openFiles.getAsLong() - connections - pending : Double.NaN);
        sample.put(SoakSeries.JVM_DIRECT_BUFFER_BYTES, metrics.sum("jvm_buffer_memory_used_bytes", MetricsScrape.label("id", "direct")));
        sample.put(SoakSeries.NETTY_DIRECT_BYTES, metrics.sum("netty_allocator_memory_used", MetricsScrape.label("memory_type", "direct")));
        sample.put(SoakSeries.EVENT_LOOP_PENDING_TASKS_MAX, metrics.max("event_loop_pending_tasks"));
        sample.put(SoakSeries.EVENT_LOOP_PENDING_TASKS_SUM, metrics.sum("event_loop_pending_tasks"));
        sample.put(SoakSeries.CONNECTIONS_ACTIVE, connections);
        sample.put(SoakSeries.CONNECTIONS_PENDING, pending);
        sample.put(SoakSeries.MESSAGES_SENT, metrics.sum("messages_sent_total"));
        return sample;
    }

    /** The gateway's counters worth a line in SOAK.md, by label: why it closed connections, what it refused. */
    Map<String, Map<String, Long>> counters() {
        MetricsScrape metrics = probe.scrape();
        MetricsScrape zero = new MetricsScrape(java.util.List.of());
        return Map.of(
                "disconnects_total by reason", zero.increase(metrics, "disconnects_total", "reason"),
                "connections_refused_total by reason", zero.increase(metrics, "connections_refused_total", "reason"),
                "conflated_updates_total by reason", zero.increase(metrics, "conflated_updates_total", "reason"),
                "connections_timed_out_total by phase", zero.increase(metrics, "connections_timed_out_total", "phase"),
                "subscriptions_refused_total by reason", zero.increase(metrics, "subscriptions_refused_total", "reason"));
    }

    private double nmtOtherKb() {
        Matcher other = NMT_OTHER.matcher(probe.jcmd("VM.native_memory", "summary"));
        return other.find() ? Double.parseDouble(other.group(1)) : Double.NaN;
    }

    private static double value(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : Double.NaN;
    }
}
