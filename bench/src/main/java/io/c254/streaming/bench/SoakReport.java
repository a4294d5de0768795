package io.c254.streaming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes SOAK.md: the settings, what the clients did, each series' trend against its rule, and the verdict. */
final class SoakReport {

    private final SoakOptions options;

    SoakReport(SoakOptions options) {
        this.options = options;
    }

    void write(List<SeriesTrend> trends, Map<String, Long> activity, Map<String, Map<String, Long>> counters,
               int samples, double runSeconds) throws IOException {
        List<SeriesTrend> failed = trends.stream().filter(SeriesTrend::failed).toList();
        StringBuilder out = new StringBuilder("# Soak: the gateway under mixed load\n\n");
        if (options.minutes() < 30) {
            out.append("> **Trial run (").append(options.minutes()).append(" min)**: it shows that the soak works; the soak "
                    + "itself runs 30 minutes on a quiet machine.\n\n");
        }
        out.append("Written by `bench/soak.sh` (see `bench/README.md` \"Soak\"); every sample in `").append(options.csv())
                .append("` (not committed).\n\n");
        out.append("**Verdict: ").append(failed.isEmpty() ? "pass" : "FAIL (" + String.join(", ",
                failed.stream().map(t -> t.series().column()).toList()) + " trend upward)").append("**\n\n");
        out.append(settings(samples, runSeconds).render()).append('\n');
        out.append("## Series\n\nAfter a warm-up of the first ").append(Math.round(options.warmupShare() * 100))
                .append(" % of the run: the first sample, the middle one, the end (median of the last three), the highest of "
                        + "the first quarter (early max), and the least-squares slope per 10 minutes.\n\n");
        MarkdownTable table = new MarkdownTable("series", "unit", "start", "middle", "end", "early max", "slope / 10 min",
                "slope / mean", "fails when", "verdict");
        for (SeriesTrend trend : trends) {
            SoakSeries series = trend.series();
            table.row(series.column(), series.unit(), number(trend.start()), number(trend.middle()), number(trend.end()),
                    number(trend.earlyMax()), number(trend.slopePer10Min()),
                    Double.isNaN(trend.mean()) || trend.mean() == 0 ? MarkdownTable.MISSING
                            : MarkdownTable.format(100 * trend.slopePer10Min() / Math.abs(trend.mean()), 1) + " %",
                    series.rule() == null ? "(context)" : series.rule().describe(series.unit()),
                    series.rule() == null ? "" : !trend.judged() ? "not measured" : trend.failed() ? "**FAIL**" : "pass");
        }
        out.append(table.render()).append('\n');
        out.append("## What the clients did\n\n");
        MarkdownTable done = new MarkdownTable("event", "count");
        activity.forEach((what, count) -> done.row(what, MarkdownTable.format(count, 0)));
        out.append(done.render()).append('\n');
        out.append("## The gateway's counters at the end\n\n");
        MarkdownTable gateway = new MarkdownTable("counter", "values");
        counters.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> gateway.row(e.getKey(), e.getValue().isEmpty() ? "none" : e.getValue().toString()));
        out.append(gateway.render()).append('\n');
        out.append("_Analysis: to be written with the figures of a quiet machine._\n");
        Files.writeString(options.report(), out.toString());
    }

    private MarkdownTable settings(int samples, double runSeconds) {
        return new MarkdownTable("", "")
                .row("date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .row("gateway commit", "`" + options.commit() + "`")
                .row("machine", Runtime.getRuntime().availableProcessors() + " CPUs (nproc)")
                .row("duration", options.minutes() + " min (" + MarkdownTable.format(runSeconds, 0) + " s), " + samples
                        + " samples every " + options.sampleSeconds() + " s")
                .row("clients", options.wsClients() + " WebSocket and " + options.sseClients() + " SSE, " + options.users()
                        + " users of " + options.tenants() + " tenants, HS256 tokens of " + options.tokenSeconds() + " s")
                .row("publishers", options.rate() + " msg/s to `" + SoakCommands.LATEST + "` (latest), " + options.streamRate()
                        + " msg/s to `" + SoakCommands.STREAM + "` (stream), " + SoakCommands.INSTRUMENTS + " instruments")
                .row("gateway JVM flags", "`" + options.gatewayJvmFlags() + "`")
                .row("gateway environment", "`" + options.gatewayEnv() + "`");
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return MarkdownTable.MISSING;
        }
        return String.format(Locale.ROOT, Math.abs(value) >= 100 ? "%,.0f" : "%,.2f", value);
    }
}
