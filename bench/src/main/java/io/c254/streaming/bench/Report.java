package io.c254.streaming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes BENCHMARKS.md from one session's result lines: the machine and the software measured, then one
 * section per scenario with both peers side by side, the target and whether it is met, and the exact
 * load-generator command behind each figure. Called by bench/run.sh; the machine facts it reads itself.
 */
public final class Report {

    private static final Set<String> KEYS = Set.of("results", "out", "quick", "gateway-jvm-flags", "gateway-env",
            "generator-command", "nginx", "commit", "load-at-start", "notes", "storm-env");

    private final Map<String, String> args;
    private final Results results;

    private Report(Map<String, String> args, Results results) {
        this.args = args;
        this.results = results;
    }

    public static void main(String[] argv) throws IOException {
        Map<String, String> args = new HashMap<>();
        for (String arg : argv) {
            int eq = arg.indexOf('=');
            String key = eq > 2 && arg.startsWith("--") ? arg.substring(2, eq) : "";
            if (!KEYS.contains(key)) {
                System.err.println("error: unknown argument " + arg + " (known: --" + String.join("=, --", KEYS) + "=)");
                System.exit(2);
            }
            args.put(key, arg.substring(eq + 1));
        }
        if (!args.containsKey("results") || !args.containsKey("out")) {
            System.err.println("error: --results=<file.jsonl> and --out=<file.md> are required");
            System.exit(2);
        }
        Report report = new Report(args, Results.read(Path.of(args.get("results"))));
        Files.writeString(Path.of(args.get("out")), report.markdown());
    }

    private String markdown() {
        String generator = args.getOrDefault("generator-command", "java -jar bench/target/streaming-bench-1.0.0.jar");
        RateSections rates = new RateSections(results, generator);
        ScaleSections scale = new ScaleSections(results, generator);
        LoadShapeSections shapes = new LoadShapeSections(results, generator);
        return String.join("", header(), rates.ladders(), rates.cpu(), rates.latency(),
                scale.delivery(), scale.idleMemory(), scale.filtered(), shapes.stalled(), shapes.storm());
    }

    private String header() {
        boolean quick = "true".equals(args.get("quick"));
        StringBuilder out = new StringBuilder("# Benchmarks: the gateway against Nginx + Nchan\n\n");
        if (quick) {
            out.append("> **Smoke run (BENCH_QUICK=1)**: 100 subscribers, two rates, 3 s windows. These figures only show "
                    + "that the harness works; they are not the benchmark.\n\n");
        }
        out.append("Written by `bench/run.sh` (see `bench/README.md`); raw lines in `").append(args.get("results"))
                .append("` (not committed). Both peers ran one after the other in the same session with the same load "
                        + "generator on the same machine: compare the ratios, absolute figures drift on a shared machine.\n\n");
        MarkdownTable table = new MarkdownTable("", "")
                .row("date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .row("machine", Runtime.getRuntime().availableProcessors() + " CPUs (nproc), " + cpuModel() + ", " + memory() + " memory")
                .row("load average at start", args.getOrDefault("load-at-start", MarkdownTable.MISSING))
                .row("kernel", firstLine(Path.of("/proc/sys/kernel/osrelease")))
                .row("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"))
                .row("gateway commit", code(args.getOrDefault("commit", MarkdownTable.MISSING)))
                .row("gateway JVM flags", code(args.getOrDefault("gateway-jvm-flags", MarkdownTable.MISSING)))
                .row("gateway environment", code(args.getOrDefault("gateway-env", MarkdownTable.MISSING)))
                .row("gateway environment, (h) only", code(args.getOrDefault("storm-env", MarkdownTable.MISSING)))
                .row("Nginx / Nchan", args.getOrDefault("nginx", MarkdownTable.MISSING))
                .row("load generator", code(args.getOrDefault("generator-command", MarkdownTable.MISSING)));
        out.append(table.render()).append('\n');
        String notes = args.getOrDefault("notes", "");
        if (!notes.isBlank()) {
            out.append("Notes: ").append(notes).append("\n\n");
        }
        return out.toString();
    }

    private static String cpuModel() {
        return lines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("CPU model unknown");
    }

    private static String memory() {
        return lines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal:"))
                .map(line -> MarkdownTable.format(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0, 1) + " GiB")
                .findFirst().orElse("unknown");
    }

    private static String firstLine(Path file) {
        List<String> lines = lines(file);
        return lines.isEmpty() ? MarkdownTable.MISSING : lines.get(0).trim();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String code(String text) {
        return text.isBlank() || text.equals(MarkdownTable.MISSING) ? MarkdownTable.MISSING : "`" + text + "`";
    }
}
