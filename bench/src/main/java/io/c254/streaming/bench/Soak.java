package io.c254.streaming.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The soak driver (bench/soak.sh starts the broker and the gateway, then this): mixed load on a running gateway
 * for {@code --minutes}, a sample of its memory, files, threads and event-loop queues every
 * {@code --sample-seconds} into a CSV, then a trend per series and SOAK.md. Exit status 0 when no series trends
 * upward, 1 when one does (the log and SOAK.md name it), 2 for bad options.
 */
public final class Soak {

    private static final Logger log = LoggerFactory.getLogger(Soak.class);
    private static final long STOP_SECONDS = 10;

    private final SoakOptions options;
    private final SoakActivity activity = new SoakActivity();
    private final SoakSampler sampler;
    private final List<Double> times = new ArrayList<>();
    private final List<Map<SoakSeries, Double>> samples = new ArrayList<>();
    private final List<SoakWsClient> wsClients = new ArrayList<>();
    private final List<SoakSseClient> sseClients = new ArrayList<>();

    private Soak(SoakOptions options) {
        this.options = options;
        this.sampler = new SoakSampler(new GatewayProbe(options.host(), options.port(), options.serverPid()));
    }

    public static void main(String[] args) {
        SoakOptions options;
        try {
            options = SoakOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        int status;
        try {
            status = new Soak(options).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 1;
        } catch (IOException | RuntimeException e) {
            log.error("soak failed: {}", e.getMessage(), e);
            status = 1;
        }
        // Kafka's and the HTTP client's threads must not keep the JVM up
        System.exit(status);
    }

    private int run() throws InterruptedException, IOException {
        long start = System.nanoTime();
        long end = start + TimeUnit.MINUTES.toNanos(options.minutes());
        try (Publisher latest = KafkaPublisher.open(options.bootstrap(), SoakCommands.LATEST);
             Publisher stream = KafkaPublisher.open(options.bootstrap(), SoakCommands.STREAM);
             PacedPublisher latestPaced = PacedPublisher.start(latest, 200, options.rate(), SoakCommands.INSTRUMENTS, sent -> { }, "latest");
             PacedPublisher streamPaced = PacedPublisher.start(stream, 200, options.streamRate(), SoakCommands.INSTRUMENTS, sent -> { }, "stream");
             BufferedWriter csv = Files.newBufferedWriter(options.csv())) {
            csv.write(header());
            EventLoopGroup group = startClients();
            try {
                sampleUntil(start, end, csv);
            } finally {
                stopClients(group);
            }
        }
        double runSeconds = (System.nanoTime() - start) / 1e9;
        return verdict(runSeconds);
    }

    private EventLoopGroup startClients() {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true);
        SignedTokens tokens = new SignedTokens(options.jwtSecret(), options.tokenSeconds());
        HttpClient control = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        // the clients come in over the first 30 s (or the first tenth of a short run)
        long spreadMillis = Math.min(30_000, TimeUnit.MINUTES.toMillis(options.minutes()) / 10);
        int clients = options.wsClients() + options.sseClients();
        for (int i = 0; i < options.wsClients(); i++) {
            SoakWsClient client = new SoakWsClient(i, options, activity, tokens, group.next(), bootstrap);
            wsClients.add(client);
            client.start(spreadMillis * i / Math.max(1, clients));
        }
        for (int i = 0; i < options.sseClients(); i++) {
            SoakSseClient client = new SoakSseClient(i, options, activity, tokens, group.next(), bootstrap, control);
            sseClients.add(client);
            client.start(spreadMillis * (options.wsClients() + i) / Math.max(1, clients));
        }
        log.info("{} WebSocket and {} SSE clients starting over {} s", options.wsClients(), options.sseClients(), spreadMillis / 1000);
        return group;
    }

    private void stopClients(EventLoopGroup group) throws InterruptedException {
        wsClients.forEach(SoakWsClient::stop);
        sseClients.forEach(SoakSseClient::stop);
        Thread.sleep(1000);
        if (!group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(STOP_SECONDS, TimeUnit.SECONDS)) {
            log.warn("client event loops did not stop within {} s", STOP_SECONDS);
        }
    }

    /** One sample every sample-seconds on a fixed schedule until the end; a late sample is not made up for. */
    private void sampleUntil(long start, long end, BufferedWriter csv) throws IOException {
        long period = TimeUnit.SECONDS.toNanos(options.sampleSeconds());
        for (long next = start + period; next <= end; next += period) {
            Pace.parkUntil(next);
            if (System.nanoTime() - next > period) {
                continue;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            Map<SoakSeries, Double> sample = sampler.sample();
            times.add(elapsed);
            samples.add(sample);
            csv.write(row(elapsed, sample));
            csv.flush();
            log.info("{} s: live heap {} MiB, RSS {} MiB, NMT other {} MiB, files {} ({} beyond connections), threads {}, "
                            + "pending tasks max {}, connections {}", Math.round(elapsed), mib(sample.get(SoakSeries.HEAP_LIVE_BYTES)),
                    mib(sample.get(SoakSeries.RSS_KB) * 1024), mib(sample.get(SoakSeries.DIRECT_NMT_OTHER_KB) * 1024),
                    whole(sample.get(SoakSeries.OPEN_FILES)), whole(sample.get(SoakSeries.OPEN_FILES_BEYOND_CONNECTIONS)),
                    whole(sample.get(SoakSeries.THREADS)), whole(sample.get(SoakSeries.EVENT_LOOP_PENDING_TASKS_MAX)),
                    whole(sample.get(SoakSeries.CONNECTIONS_ACTIVE)));
        }
    }

    private int verdict(double runSeconds) throws IOException {
        double[] t = times.stream().mapToDouble(Double::doubleValue).toArray();
        List<SeriesTrend> trends = new ArrayList<>();
        for (SoakSeries series : SoakSeries.values()) {
            double[] values = samples.stream().mapToDouble(s -> s.getOrDefault(series, Double.NaN)).toArray();
            trends.add(SeriesTrend.of(series, t, values, runSeconds * options.warmupShare()));
        }
        new SoakReport(options).write(trends, activity.snapshot(), sampler.counters(), samples.size(), runSeconds);
        List<String> failed = trends.stream().filter(SeriesTrend::failed).map(trend -> trend.series().column()).toList();
        List<String> unmeasured = trends.stream().filter(trend -> trend.series().rule() != null && !trend.judged())
                .map(trend -> trend.series().column()).toList();
        if (!unmeasured.isEmpty()) {
            log.warn("not measured (fewer than 3 samples after the warm-up): {}", unmeasured);
        }
        log.info("report written to {}; samples in {}", options.report(), options.csv());
        if (!failed.isEmpty()) {
            log.error("FAIL: trending upward: {}", String.join(", ", failed));
            return 1;
        }
        log.info("pass: no series trends upward");
        return 0;
    }

    private static String header() {
        StringBuilder line = new StringBuilder("timestamp,elapsed_s");
        for (SoakSeries series : SoakSeries.values()) {
            line.append(',').append(series.column());
        }
        return line.append('\n').toString();
    }

    private static String row(double elapsed, Map<SoakSeries, Double> sample) {
        StringBuilder line = new StringBuilder(Instant.now().toString()).append(',').append(Math.round(elapsed));
        for (SoakSeries series : SoakSeries.values()) {
            double value = sample.getOrDefault(series, Double.NaN);
            line.append(',').append(Double.isNaN(value) ? "" : String.valueOf(Math.round(value)));
        }
        return line.append('\n').toString();
    }

    private static String mib(double bytes) {
        return Double.isNaN(bytes) ? "?" : String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576);
    }

    private static String whole(double value) {
        return Double.isNaN(value) ? "?" : String.valueOf(Math.round(value));
    }
}
