package io.c254.streaming.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Scenarios (a), (b) and (c) at 1,000 subscribers: the rate ladders, the server CPU per delivery, and the
 * latency against the Kafka hop.
 */
final class RateSections {

    private static final List<String> PEERS = List.of("gateway", "nchan");

    private final Results results;
    private final String generatorCommand;

    RateSections(Results results, String generatorCommand) {
        this.results = results;
        this.generatorCommand = generatorCommand;
    }

    String ladders() {
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(a) Highest sustainable rate, " + SectionWriter.subscribers(results.scenario("a"), 1000) + " subscribers, 200 B records")
                .paragraph("Each peer climbs the rates 10, 25, 50, 100, 150, 200, 300, 500 msg/s of the issue, then 700 and 1,000 (a smoke run takes two); a step is good with zero loss, "
                        + "p99 ≤ 50 ms and no failed or dropped connection, and the first step that is not good ends that "
                        + "peer's ladder. Latency: publish → receive by the generator, both on this machine.");
        for (String transport : List.of("ws", "sse")) {
            ladder(out, transport);
        }
        return out.text();
    }

    private void ladder(SectionWriter out, String transport) {
        List<JsonNode> gateway = results.steps("a", "gateway", transport);
        List<JsonNode> nchan = results.steps("a", "nchan", transport);
        MarkdownTable table = new MarkdownTable("rate msg/s", "gateway delivered / expected", "gateway p50 / p99 ms",
                "gateway CPU %", "gateway good", "Nchan delivered / expected", "Nchan p50 / p99 ms", "Nchan CPU %", "Nchan good");
        TreeSet<Integer> rates = new TreeSet<>();
        gateway.forEach(line -> rates.add(line.path("rate").asInt()));
        nchan.forEach(line -> rates.add(line.path("rate").asInt()));
        for (int rate : rates) {
            List<String> cells = new ArrayList<>(List.of(Integer.toString(rate)));
            cells.addAll(stepCells(results.step("a", "gateway", transport, rate)));
            cells.addAll(stepCells(results.step("a", "nchan", transport, rate)));
            table.row(cells.toArray(String[]::new));
        }
        BestRates best = new BestRates(highestGood(gateway), highestGood(nchan));
        String figures = "Highest good rate: gateway " + best.gatewayText(gateway) + ", Nchan " + best.nchanText(nchan)
                + ", ratio " + best.ratio() + ".";
        Verdict verdict = gateway.isEmpty() || nchan.isEmpty() ? Verdict.NOT_MEASURED
                : Verdict.of(best.gateway() > 0 && best.gateway() >= 3 * best.nchan());
        out.paragraph("### " + transport.toUpperCase(Locale.ROOT))
                .table(table)
                .target("the gateway's highest good rate is at least 3× Nchan's.", figures, verdict)
                .commands(concat(gateway, nchan));
    }

    String cpu() {
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(b) Server CPU per delivered message, " + SectionWriter.subscribers(concat(results.scenario("a"), results.scenario("b")), 1000)
                        + " WebSocket subscribers × 50 msg/s")
                .paragraph("From (a)'s 50 msg/s WebSocket step (or a step of its own when (a) did not reach it): the "
                        + "server's user + system CPU time over the measured window divided by the window records delivered.");
        MarkdownTable table = new MarkdownTable("peer", "delivered / expected", "deliveries/s", "server CPU %", "CPU µs per delivery", "step good");
        List<JsonNode> used = new ArrayList<>();
        for (String peer : PEERS) {
            cpuStep(peer).ifPresent(line -> {
                used.add(line);
                table.row(peer, SectionWriter.deliveredOfExpected(line), SectionWriter.decimal(line, "delivered_per_s", 0),
                        SectionWriter.decimal(line, "server_cpu_pct", 1), SectionWriter.decimal(line, "server_cpu_us_per_delivery", 2),
                        line.path("step_good").asBoolean(false) ? "yes" : "**no**");
            });
        }
        OptionalDouble gateway = cpuPerDelivery("gateway");
        OptionalDouble nchan = cpuPerDelivery("nchan");
        String ratio = SectionWriter.ratio(gateway, nchan);
        Verdict verdict = gateway.isEmpty() || nchan.isEmpty() ? Verdict.NOT_MEASURED
                : Verdict.of(gateway.getAsDouble() <= nchan.getAsDouble() / 3);
        return out.table(table)
                .target("the gateway's CPU per delivery is at most 1/3 of Nchan's.", "Ratio gateway / Nchan: " + ratio + ".", verdict)
                .commands(used)
                .text();
    }

    String latency() {
        SectionWriter out = new SectionWriter(generatorCommand)
                .heading("(c) Latency at low load, " + SectionWriter.subscribers(results.scenario("c"), 1000) + " WebSocket subscribers × 10 msg/s")
                .paragraph("The Kafka hop is a plain KafkaConsumer in the generator (every partition assigned, from the end) "
                        + "timing the same window records produce → consume: what any Kafka-fed gateway must pay.");
        Optional<JsonNode> gateway = results.first("c", "gateway");
        Optional<JsonNode> nchan = results.first("c", "nchan");
        MarkdownTable table = new MarkdownTable("path", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "delivered / expected");
        gateway.ifPresent(line -> table.row(latencyCells("gateway (Kafka → gateway → client)", line, "latency_ms", SectionWriter.deliveredOfExpected(line))));
        gateway.filter(line -> line.has("baseline_kafka_ms")).ifPresent(line -> table.row(latencyCells("Kafka hop (producer → consumer)",
                line, "baseline_kafka_ms", SectionWriter.count(line, "baseline_kafka_received") + " / " + SectionWriter.count(line, "published"))));
        nchan.ifPresent(line -> table.row(latencyCells("Nchan (POST → client)", line, "latency_ms", SectionWriter.deliveredOfExpected(line))));
        OptionalDouble gatewayP99 = gateway.map(l -> Results.number(l, "latency_ms", "p99")).orElse(OptionalDouble.empty());
        OptionalDouble hopP99 = gateway.map(l -> Results.number(l, "baseline_kafka_ms", "p99")).orElse(OptionalDouble.empty());
        OptionalDouble nchanP99 = nchan.map(l -> Results.number(l, "latency_ms", "p99")).orElse(OptionalDouble.empty());
        Verdict overHop = gatewayP99.isEmpty() || hopP99.isEmpty() ? Verdict.NOT_MEASURED
                : Verdict.of(gatewayP99.getAsDouble() <= hopP99.getAsDouble() + 5);
        Verdict underNchan = gatewayP99.isEmpty() || nchanP99.isEmpty() ? Verdict.NOT_MEASURED
                : Verdict.of(gatewayP99.getAsDouble() < nchanP99.getAsDouble());
        String figures = "p99: gateway " + MarkdownTable.format(gatewayP99, 2) + " ms, Kafka hop " + MarkdownTable.format(hopP99, 2)
                + " ms, Nchan " + MarkdownTable.format(nchanP99, 2) + " ms.";
        List<JsonNode> used = new ArrayList<>();
        gateway.ifPresent(used::add);
        nchan.ifPresent(used::add);
        return out.table(table)
                .target("gateway p99 ≤ Kafka-hop p99 + 5 ms, and below Nchan's p99.", figures, overHop.and(underNchan))
                .commands(used)
                .text();
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The rate of the last good step before the first step that is not good; 0 when the first fails. */
    static int highestGood(List<JsonNode> steps) {
        int best = 0;
        for (JsonNode step : steps.stream().sorted((x, y) -> Integer.compare(x.path("rate").asInt(), y.path("rate").asInt())).toList()) {
            if (!step.path("step_good").asBoolean(false)) {
                break;
            }
            best = step.path("rate").asInt();
        }
        return best;
    }

    private static List<String> stepCells(Optional<JsonNode> step) {
        if (step.isEmpty()) {
            return List.of(MarkdownTable.MISSING, MarkdownTable.MISSING, MarkdownTable.MISSING, "not run");
        }
        JsonNode line = step.get();
        return List.of(SectionWriter.deliveredOfExpected(line),
                SectionWriter.ms(line, "latency_ms", "p50") + " / " + SectionWriter.ms(line, "latency_ms", "p99"),
                SectionWriter.decimal(line, "server_cpu_pct", 1),
                line.path("step_good").asBoolean(false) ? "yes" : "**no**");
    }

    private Optional<JsonNode> cpuStep(String peer) {
        Optional<JsonNode> fromLadder = results.step("a", peer, "ws", 50);
        return fromLadder.isPresent() ? fromLadder : results.step("b", peer, "ws", 50);
    }

    private OptionalDouble cpuPerDelivery(String peer) {
        return cpuStep(peer).map(line -> Results.number(line, "server_cpu_us_per_delivery")).orElse(OptionalDouble.empty());
    }

    private static String[] latencyCells(String label, JsonNode line, String field, String counts) {
        return new String[] {label, SectionWriter.ms(line, field, "p50"), SectionWriter.ms(line, field, "p90"),
                SectionWriter.ms(line, field, "p99"), SectionWriter.ms(line, field, "p999"), SectionWriter.ms(line, field, "max"), counts};
    }

    private static List<JsonNode> concat(List<JsonNode> first, List<JsonNode> second) {
        List<JsonNode> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** The two highest good rates, and how to say them: a ladder good to its top only gives a lower bound. */
    private record BestRates(int gateway, int nchan) {

        String gatewayText(List<JsonNode> steps) {
            return text(gateway, steps);
        }

        String nchanText(List<JsonNode> steps) {
            return text(nchan, steps);
        }

        String ratio() {
            if (nchan == 0) {
                return gateway == 0 ? MarkdownTable.MISSING : "∞ (Nchan had no good step)";
            }
            return MarkdownTable.format((double) gateway / nchan, 2);
        }

        private static String text(int best, List<JsonNode> steps) {
            if (steps.isEmpty()) {
                return "not run";
            }
            if (best == 0) {
                return "none";
            }
            boolean toTop = steps.stream().allMatch(step -> step.path("step_good").asBoolean(false));
            return best + " msg/s" + (toTop ? " (every step good: at least this)" : "");
        }
    }
}
