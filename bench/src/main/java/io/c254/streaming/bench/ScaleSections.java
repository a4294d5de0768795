package io.c254.streaming.bench;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;

/** Scenarios (d), (e) and (f) at 10,000 WebSocket connections: delivery, idle memory, filtered delivery. */
final class ScaleSections {

    private static final double MAX_KIB_PER_CONNECTION = 5;

    private final Results results;
    private final String generatorCommand;

    ScaleSections(Results results, String generatorCommand) {
        this.results = results;
        this.generatorCommand = generatorCommand;
    }

    String delivery() {
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(d) " + SectionWriter.subscribers(results.scenario("d"), 10_000) + " WebSocket subscribers × 10 msg/s")
                .paragraph("Server RSS (VmRSS) right after every subscriber is connected, and after the window and its grace.");
        MarkdownTable table = new MarkdownTable("peer", "connected", "delivered / expected", "loss", "p50 ms", "p99 ms",
                "RSS after connect KiB", "RSS after run KiB", "after run / after connect");
        List<JsonNode> lines = results.scenario("d");
        lines.forEach(line -> table.row(line.path("peer").asText(), SectionWriter.connected(line), SectionWriter.deliveredOfExpected(line),
                SectionWriter.loss(line), SectionWriter.ms(line, "latency_ms", "p50"), SectionWriter.ms(line, "latency_ms", "p99"),
                SectionWriter.count(line, "server_rss_kb_after_connect"), SectionWriter.count(line, "server_rss_kb_after_run"),
                SectionWriter.ratio(Results.number(line, "server_rss_kb_after_run"), Results.number(line, "server_rss_kb_after_connect"))));
        Optional<JsonNode> gateway = results.first("d", "gateway");
        Optional<JsonNode> nchan = results.first("d", "nchan");
        Verdict noLoss = gateway.map(line -> Results.number(line, "loss"))
                .map(loss -> loss.isEmpty() ? Verdict.NOT_MEASURED : Verdict.of(loss.getAsDouble() == 0)).orElse(Verdict.NOT_MEASURED);
        OptionalDouble gatewayP99 = p99(gateway);
        OptionalDouble nchanP99 = p99(nchan);
        Verdict faster = gatewayP99.isEmpty() || nchanP99.isEmpty() ? Verdict.NOT_MEASURED
                : Verdict.of(gatewayP99.getAsDouble() < nchanP99.getAsDouble());
        OptionalDouble growth = gateway.map(line -> ratio(line, "server_rss_kb_after_run", "server_rss_kb_after_connect")).orElse(OptionalDouble.empty());
        Verdict bounded = growth.isEmpty() ? Verdict.NOT_MEASURED : Verdict.of(growth.getAsDouble() <= 2);
        String figures = "Gateway: loss " + gateway.map(SectionWriter::loss).orElse(MarkdownTable.MISSING)
                + ", p99 " + MarkdownTable.format(gatewayP99, 2) + " ms against Nchan's " + MarkdownTable.format(nchanP99, 2)
                + " ms, RSS after run / after connect " + MarkdownTable.format(growth, 2) + ".";
        return out.table(table)
                .target("the gateway loses nothing, its p99 is below Nchan's, and its RSS after the run is at most 2× its RSS after connecting.",
                        figures, noLoss.and(faster).and(bounded))
                .commands(lines)
                .text();
    }

    String idleMemory() {
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(e) Idle memory, " + SectionWriter.subscribers(results.scenario("e"), 10_000) + " WebSocket connections, nothing published")
                .paragraph("Per connection: (RSS after every connection is ok − RSS before the first) / connections ok.");
        MarkdownTable table = new MarkdownTable("peer", "connected", "RSS before KiB", "RSS after connect KiB", "KiB per connection", "RSS at end KiB");
        List<JsonNode> lines = results.scenario("e");
        lines.forEach(line -> table.row(line.path("peer").asText(), SectionWriter.connected(line),
                SectionWriter.count(line, "server_rss_kb_before_connect"), SectionWriter.count(line, "server_rss_kb_after_connect"),
                SectionWriter.decimal(line, "server_rss_kb_per_connection", 2), SectionWriter.count(line, "server_rss_kb_after_run")));
        OptionalDouble perConnection = results.first("e", "gateway")
                .map(line -> Results.number(line, "server_rss_kb_per_connection")).orElse(OptionalDouble.empty());
        Verdict verdict = perConnection.isEmpty() ? Verdict.NOT_MEASURED : Verdict.of(perConnection.getAsDouble() <= MAX_KIB_PER_CONNECTION);
        return out.table(table)
                .target("at most 5 KiB of server memory per idle connection.",
                        "Gateway: " + MarkdownTable.format(perConnection, 2) + " KiB per connection.", verdict)
                .commands(lines)
                .text();
    }

    String filtered() {
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(f) Filtered delivery, " + SectionWriter.subscribers(results.scenario("f"), 10_000)
                        + " WebSocket subscribers each on its own instrument_id, 10 msg/s")
                .paragraph("Subscriber i filters on instrument_id I<i mod N>; records cycle through I0 … I(N−1), so each record "
                        + "is meant for the subscribers of one instrument and the gateway must match rather than broadcast.");
        MarkdownTable table = new MarkdownTable("peer", "connected", "delivered / expected", "loss", "p50 ms", "p99 ms", "max ms",
                "server CPU %", "CPU µs per delivery");
        List<JsonNode> lines = results.scenario("f");
        lines.stream().filter(Results::measured).forEach(line -> table.row(line.path("peer").asText(), SectionWriter.connected(line),
                SectionWriter.deliveredOfExpected(line), SectionWriter.loss(line), SectionWriter.ms(line, "latency_ms", "p50"),
                SectionWriter.ms(line, "latency_ms", "p99"), SectionWriter.ms(line, "latency_ms", "max"),
                SectionWriter.decimal(line, "server_cpu_pct", 1), SectionWriter.decimal(line, "server_cpu_us_per_delivery", 2)));
        out.table(table);
        lines.stream().filter(line -> !Results.measured(line))
                .forEach(line -> out.paragraph(line.path("peer").asText() + " not run: " + line.path("skipped").asText() + "."));
        return out.paragraph("**Target**: none beyond the figures above (the issue asks for them to be printed); "
                        + "Nchan is not comparable here, having no server-side filters.\n\n"
                        + "_Analysis: to be written with the figures of a quiet machine._")
                .commands(lines.stream().filter(Results::measured).toList())
                .text();
    }

    private static OptionalDouble p99(Optional<JsonNode> line) {
        return line.map(l -> Results.number(l, "latency_ms", "p99")).orElse(OptionalDouble.empty());
    }

    private static OptionalDouble ratio(JsonNode line, String numerator, String denominator) {
        OptionalDouble top = Results.number(line, numerator);
        OptionalDouble bottom = Results.number(line, denominator);
        if (top.isEmpty() || bottom.isEmpty() || bottom.getAsDouble() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(top.getAsDouble() / bottom.getAsDouble());
    }
}
