package io.c254.streaming.bench;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;

/** Scenarios (g) stalled clients and (h) reconnect storm: the load shapes of the hardening issue, gateway only. */
final class LoadShapeSections {

    /** The gateway's default outbound bound per connection (ACCESS_MAX_CLIENT_BUFFER_BYTES). */
    private static final double CLIENT_BOUND_BYTES = 1 << 20;
    private static final double MIB = 1 << 20;
    /** A p99 counts as not raised within this factor and margin of the one it is compared with (noise on one machine). */
    private static final double P99_FACTOR = 1.2;
    private static final double P99_MARGIN_MS = 2;
    /** The jitter the gateway is to give Retry-After on refusals (seconds). */
    private static final int RETRY_AFTER_MIN = 5;
    private static final int RETRY_AFTER_MAX = 10;

    private final Results results;
    private final String generatorCommand;

    LoadShapeSections(Results results, String generatorCommand) {
        this.results = results;
        this.generatorCommand = generatorCommand;
    }

    String stalled() {
        Optional<JsonNode> found = results.first("g", "gateway");
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(g) " + SectionWriter.subscribers(results.scenario("g"), 1000) + " live WebSocket subscribers, alone and beside "
                        + found.map(l -> SectionWriter.count(l.path("stalled_clients"), "clients")).orElse("100") + " stalled clients")
                .paragraph("One gateway process: a window with the live subscribers alone, then the stalled clients connect to the "
                        + "same `latest` topic with a small receive buffer and read nothing (a pong every 10 s keeps them alive), "
                        + "their outbound bound fills (at the fill rate, unmeasured), and a second window at the same rate. Live heap: "
                        + "objects reachable after a full GC (jcmd class histogram), before the stalled clients connect, while they "
                        + "are stalled, and after they are closed.");
        if (found.isEmpty()) {
            return out.table(new MarkdownTable("")).text();
        }
        JsonNode line = found.get();
        MarkdownTable windows = new MarkdownTable("live subscribers", "delivered / expected", "loss", "p50 ms", "p99 ms", "max ms");
        windows.row(phaseCells("alone", line.path("alone")));
        windows.row(phaseCells("with stalled clients", line.path("stalled")));
        JsonNode stall = line.path("stalled_clients");
        MarkdownTable stalled = new MarkdownTable("stalled clients", "connected", "bound full after", "conflated / s in window",
                "closed by the gateway (disconnects_total)", "fate once read again", "messages then received");
        stalled.row(SectionWriter.count(stall, "clients"), SectionWriter.count(stall, "connected_ok"),
                SectionWriter.decimal(stall, "fill_s", 0) + " s at " + SectionWriter.count(stall, "fill_rate") + " msg/s",
                SectionWriter.count(stall, "conflated_per_s_in_window"), counts(stall.path("gateway_disconnects")),
                counts(stall.path("fate")), SectionWriter.count(stall, "received_after_resume"));
        MarkdownTable heap = new MarkdownTable("gateway", "live heap MiB", "heap used after GC MiB", "RSS MiB", "connections");
        for (String reading : List.of("before_stalled", "while_stalled", "after_closed")) {
            JsonNode r = line.path("gateway").path(reading);
            heap.row(reading.replace('_', ' '), mib(r, "heap_live_bytes"), mib(r, "heap_used_after_gc_bytes"),
                    MarkdownTable.format(Results.number(r, "rss_kb").orElse(Double.NaN) / 1024, 1), SectionWriter.count(r, "connections_active"));
        }
        return out.table(windows).table(stalled).table(heap)
                .target("100 clients that stop reading do not grow the heap beyond their bounds (live heap while stalled − before ≤ "
                                + "stalled × 1 MiB, and back within 10 % after they close) or raise the others' p99 (with stalled ≤ "
                                + P99_FACTOR + " × alone + " + P99_MARGIN_MS + " ms, no loss); on a `latest` topic they are conflated, not closed.",
                        stallFigures(line), stallVerdict(line))
                .commands(List.of(line))
                .text();
    }

    String storm() {
        Optional<JsonNode> found = results.first("h", "gateway");
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(h) Reconnect storm: " + found.map(l -> SectionWriter.count(l.path("storm_reconnect"), "clients")).orElse("3,000")
                        + " clients drop and reconnect within a second, beside " + SectionWriter.subscribers(results.scenario("h"), 200)
                        + " steady subscribers")
                .paragraph("The gateway runs with the production caps on connections that are not streams yet (64 per address, "
                        + "1,000 per instance; see the environment above). Storm clients connect from several loopback addresses, all "
                        + "drop at once, and each reconnects at a random moment within the spread; a refused attempt (429 or 503 "
                        + "before the upgrade) is retried after its Retry-After. The steady subscribers are measured before the storm, "
                        + "during it (from the drop until every client is back, at least one window), and after it.");
        if (found.isEmpty()) {
            return out.table(new MarkdownTable("")).text();
        }
        JsonNode line = found.get();
        MarkdownTable windows = new MarkdownTable("steady subscribers", "seconds", "delivered / expected", "loss", "p50 ms", "p99 ms", "max ms");
        for (String phase : List.of("before", "storm", "after")) {
            List<String> cells = new ArrayList<>(List.of(phaseCells(phase, line.path(phase))));
            cells.add(1, SectionWriter.decimal(line.path(phase), "seconds", 1));
            windows.row(cells.toArray(String[]::new));
        }
        MarkdownTable storm = new MarkdownTable("storm clients", "back", "all back after s", "back p50 / p99 ms", "attempts",
                "refusals", "Retry-After s (count)", "failures without an answer", "gave up");
        for (String phase : List.of("storm_first_connect", "storm_reconnect")) {
            JsonNode p = line.path(phase);
            storm.row(phase.equals("storm_reconnect") ? "reconnect after the drop" : "first connections",
                    SectionWriter.count(p, "back") + " / " + SectionWriter.count(p, "clients"), SectionWriter.decimal(p, "all_back_s", 1),
                    SectionWriter.count(p.path("back_ms"), "p50") + " / " + SectionWriter.count(p.path("back_ms"), "p99"),
                    SectionWriter.count(p, "attempts"), counts(p.path("refusals")), counts(p.path("retry_after_s")),
                    counts(p.path("errors")), SectionWriter.count(p, "gave_up"));
        }
        return out.table(windows).table(storm)
                .paragraph("Gateway counters over the storm: refused " + counts(line.path("gateway_refused")) + ", rate-limited "
                        + counts(line.path("gateway_rate_limited")) + ", timed out " + counts(line.path("gateway_timed_out")) + ".")
                .target("the storm is admitted with limits, every refusal carries a Retry-After jittered between " + RETRY_AFTER_MIN
                                + " and " + RETRY_AFTER_MAX + " s (more than one value), every client is back, and live delivery is not starved "
                                + "(no loss; p99 during the storm ≤ 2 × before + 5 ms).",
                        stormFigures(line), stormVerdict(line))
                .commands(List.of(line))
                .text();
    }

    private static String[] phaseCells(String name, JsonNode phase) {
        return new String[] {name, SectionWriter.deliveredOfExpected(phase), SectionWriter.loss(phase),
                SectionWriter.ms(phase, "latency_ms", "p50"), SectionWriter.ms(phase, "latency_ms", "p99"), SectionWriter.ms(phase, "latency_ms", "max")};
    }

    private static String stallFigures(JsonNode line) {
        return "Live p99 " + SectionWriter.ms(line.path("alone"), "latency_ms", "p99") + " ms alone, "
                + SectionWriter.ms(line.path("stalled"), "latency_ms", "p99") + " ms with stalled clients; live heap "
                + mib(line.path("gateway").path("before_stalled"), "heap_live_bytes") + " → "
                + mib(line.path("gateway").path("while_stalled"), "heap_live_bytes") + " → "
                + mib(line.path("gateway").path("after_closed"), "heap_live_bytes") + " MiB; stalled clients: "
                + counts(line.path("stalled_clients").path("fate")) + ".";
    }

    private static Verdict stallVerdict(JsonNode line) {
        JsonNode gateway = line.path("gateway");
        OptionalDouble before = Results.number(gateway, "before_stalled", "heap_live_bytes");
        OptionalDouble during = Results.number(gateway, "while_stalled", "heap_live_bytes");
        OptionalDouble after = Results.number(gateway, "after_closed", "heap_live_bytes");
        OptionalDouble p99Alone = Results.number(line, "alone", "latency_ms", "p99");
        OptionalDouble p99Stalled = Results.number(line, "stalled", "latency_ms", "p99");
        if (before.isEmpty() || during.isEmpty() || after.isEmpty() || p99Alone.isEmpty() || p99Stalled.isEmpty()) {
            return Verdict.NOT_MEASURED;
        }
        double stalled = line.path("stalled_clients").path("connected_ok").asDouble();
        boolean bounded = during.getAsDouble() - before.getAsDouble() <= stalled * CLIENT_BOUND_BYTES
                && after.getAsDouble() <= before.getAsDouble() * 1.1;
        boolean timely = p99Stalled.getAsDouble() <= P99_FACTOR * p99Alone.getAsDouble() + P99_MARGIN_MS
                && line.path("alone").path("loss").asLong() == 0 && line.path("stalled").path("loss").asLong() == 0;
        boolean conflated = line.path("stalled_clients").path("fate").path("open").asDouble() == stalled;
        return Verdict.of(bounded && timely && conflated);
    }

    private static String stormFigures(JsonNode line) {
        JsonNode reconnect = line.path("storm_reconnect");
        return "All back after " + SectionWriter.decimal(reconnect, "all_back_s", 1) + " s; Retry-After values "
                + counts(reconnect.path("retry_after_s")) + "; steady p99 " + SectionWriter.ms(line.path("before"), "latency_ms", "p99")
                + " ms before, " + SectionWriter.ms(line.path("storm"), "latency_ms", "p99") + " ms during, loss during "
                + SectionWriter.loss(line.path("storm")) + ".";
    }

    private static Verdict stormVerdict(JsonNode line) {
        JsonNode reconnect = line.path("storm_reconnect");
        OptionalDouble before = Results.number(line, "before", "latency_ms", "p99");
        OptionalDouble during = Results.number(line, "storm", "latency_ms", "p99");
        if (before.isEmpty() || during.isEmpty() || reconnect.isMissingNode()) {
            return Verdict.NOT_MEASURED;
        }
        boolean allBack = reconnect.path("back").asLong() == reconnect.path("clients").asLong();
        List<String> values = new ArrayList<>();
        reconnect.path("retry_after_s").fieldNames().forEachRemaining(values::add);
        boolean jittered = values.size() > 1 && values.stream().allMatch(v -> v.matches("\\d+")
                && Integer.parseInt(v) >= RETRY_AFTER_MIN && Integer.parseInt(v) <= RETRY_AFTER_MAX);
        boolean limited = reconnect.path("refusals").size() > 0;
        boolean notStarved = line.path("storm").path("loss").asLong() == 0 && during.getAsDouble() <= 2 * before.getAsDouble() + 5;
        return Verdict.of(allBack && jittered && limited && notStarved);
    }

    private static String mib(JsonNode reading, String field) {
        OptionalDouble bytes = Results.number(reading, field);
        return bytes.isEmpty() ? MarkdownTable.MISSING : MarkdownTable.format(bytes.getAsDouble() / MIB, 1);
    }

    /** {"a":1,"b":2} as "a 1, b 2"; "none" when empty. */
    private static String counts(JsonNode counts) {
        List<String> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = counts.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            parts.add(field.getKey() + ": " + MarkdownTable.format(field.getValue().asDouble(), 0));
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
