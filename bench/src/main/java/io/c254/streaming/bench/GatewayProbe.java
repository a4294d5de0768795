package io.c254.streaming.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * What the load shapes and the soak read of a running gateway from outside it: its {@code /metrics}, its
 * heap after a full collection ({@code jcmd <pid> GC.run}, then the heap pools of {@code /metrics}), and its
 * process figures from /proc. Nothing here needs a hook in the gateway.
 */
final class GatewayProbe {

    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    private static final long JCMD_TIMEOUT_SECONDS = 120;

    private final URI metrics;
    private final long pid;
    private final ProcessStats process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();

    /** @param pid the gateway's process, 0 when unknown (no GC, no /proc figures) */
    GatewayProbe(String host, int port, long pid) {
        this.metrics = URI.create("http://" + host + ":" + port + "/metrics");
        this.pid = pid;
        this.process = pid > 0 ? ProcessStats.of(pid) : null;
    }

    MetricsScrape scrape() {
        HttpRequest request = HttpRequest.newBuilder(metrics).timeout(HTTP_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + metrics + " answered " + response.statusCode());
            }
            return MetricsScrape.parse(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + metrics + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + metrics, e);
        }
    }

    /**
     * The gateway's heap after a full collection: what is still reachable, which is what grows when something
     * leaks. {@code jcmd <pid> GC.class_histogram} collects, then counts every live object; the fillers the
     * collector leaves in dead space (jdk.internal.vm.FillerElement arrays: Serial's full GC keeps a dense prefix
     * in place since JDK 24) are left out, as they are no one's objects. Also the heap pools' use right after,
     * which does count the fillers. Empty figures when the pid is unknown or jcmd failed.
     */
    HeapReading heapAfterGc() {
        if (pid == 0) {
            return new HeapReading(OptionalLong.empty(), OptionalLong.empty());
        }
        OptionalLong live = liveBytes(jcmd("GC.class_histogram"));
        long used = (long) scrape().sum("jvm_memory_used_bytes", MetricsScrape.label("area", "heap"));
        return new HeapReading(live, OptionalLong.of(used));
    }

    /** @param liveBytes objects reachable after a full collection; @param usedBytes the heap pools' use then */
    record HeapReading(OptionalLong liveBytes, OptionalLong usedBytes) {
    }

    OptionalLong rssKb() {
        return process == null ? OptionalLong.empty() : process.rssKb();
    }

    ProcessStats process() {
        return process;
    }

    /** The output of {@code jcmd <pid> COMMAND} with the JDK this program runs on (the gateway's too), or "" on failure. */
    String jcmd(String... command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> line = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        try {
            Path out = Files.createTempFile("jcmd", ".txt");
            try {
                Process process = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!process.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return "";
                }
                return process.exitValue() == 0 ? Files.readString(out) : "";
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The histogram's {@code Total} bytes less the collector's fillers. */
    static OptionalLong liveBytes(String histogram) {
        long total = -1;
        long fillers = 0;
        for (String line : histogram.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 3 && fields[0].equals("Total")) {
                total = Long.parseLong(fields[2]);
            } else if (fields.length >= 4 && fields[3].contains("jdk.internal.vm.FillerElement") && fields[2].matches("\\d+")) {
                fillers += Long.parseLong(fields[2]);
            }
        }
        return total < 0 ? OptionalLong.empty() : OptionalLong.of(total - fillers);
    }
}
