package io.c254.streaming.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario g: live subscribers measured twice in one gateway process, first alone, then while stalled clients
 * (subscribed to the same topic, reading nothing) have filled the gateway's outbound bound. Between the two,
 * and after the stalled clients are closed, the gateway's heap after a full collection. Then the stalled
 * clients read again, to learn what the gateway did with them (conflated and kept, or closed with a code).
 *
 * <p>Full collections (jcmd) pause the gateway: they happen between windows, never inside one.
 */
final class StallRun {

    private static final Logger log = LoggerFactory.getLogger(StallRun.class);
    private static final String CONFLATED = "conflated_updates_total";
    private static final String DISCONNECTS = "disconnects_total";
    private static final Predicate<Map<String, String>> SLOW_CONSUMER = MetricsScrape.label("reason", "slow_consumer");
    private static final long FILL_POLL_SECONDS = 2;
    /** The bound counts as full once the gateway conflates this share of what the stalled clients would get. */
    private static final double FILLED_SHARE = 0.9;

    private final Options options;
    private final GatewayProbe probe;
    private final PhasedDeliveries deliveries = new PhasedDeliveries();
    private final ResultLine gateway = new ResultLine();

    StallRun(Options options) {
        this.options = options;
        this.probe = new GatewayProbe(options.urlHost(), options.port(), options.serverPid());
    }

    ResultLine run() throws InterruptedException {
        try (Publisher publisher = Publisher.open(options);
             SubscriberPool live = new SubscriberPool(options, deliveries)) {
            Connections liveConnections = live.connectAll();
            log.info("{} of {} live subscribers ok", liveConnections.ok(), options.subscribers());
            try (PacedPublisher paced = PacedPublisher.start(publisher, options.size(), options.rate(), options.instruments(),
                    deliveries::onPublished, "publisher")) {
                return phases(liveConnections, paced);
            }
        }
    }

    private ResultLine phases(Connections live, PacedPublisher paced) throws InterruptedException {
        deliveries.begin("warm-up", false);
        sleep(options.warmupSeconds());
        PhasedDeliveries.Phase alone = deliveries.begin("alone", true);
        log.info("window alone: {} s", options.durationSeconds());
        sleep(options.durationSeconds());
        deliveries.begin("stalling", false);
        reading("before_stalled");
        MetricsScrape beforeStall;
        PhasedDeliveries.Phase stalled;
        ResultLine stall = new ResultLine();
        try (StalledClients clients = new StalledClients(options)) {
            Connections stalledConnections = clients.connectAll();
            log.info("{} of {} stalled clients established, reading nothing", stalledConnections.ok(), options.stall().clients());
            beforeStall = probe.scrape();
            paced.changeRate(options.stall().fillRate());
            double fillSeconds = awaitFull(stalledConnections.ok(), beforeStall);
            paced.changeRate(options.rate());
            // the live subscribers take what the faster fill left them before their window begins
            sleep(Math.max(2, options.warmupSeconds()));
            MetricsScrape fillEnd = probe.scrape();
            stalled = deliveries.begin("stalled", true);
            log.info("window with {} stalled clients: {} s", stalledConnections.ok(), options.durationSeconds());
            sleep(options.durationSeconds());
            deliveries.begin("after", false);
            MetricsScrape windowEnd = probe.scrape();
            reading("while_stalled");
            stall.put("clients", options.stall().clients())
                    .put("connected_ok", stalledConnections.ok())
                    .put("connect_failed", stalledConnections.failed())
                    .put("rcvbuf_bytes", options.stall().receiveBufferBytes())
                    .put("fill_rate", options.stall().fillRate())
                    .put("fill_s", fillSeconds)
                    .put("conflated_per_s_in_window", perSecond(fillEnd, windowEnd, options.durationSeconds()))
                    .putCounts("gateway_disconnects", beforeStall.increase(windowEnd, DISCONNECTS, "reason"))
                    .putCounts("gateway_conflated", beforeStall.increase(windowEnd, CONFLATED, "reason"));
            clients.resumeReading(10);
            stall.putCounts("fate", clients.fates())
                    .put("received_after_resume", clients.receivedAfterResume());
        }
        awaitClosed(live.ok());
        reading("after_closed");
        awaitStragglers(stalled, live.ok());
        return result(live, alone, stalled, stall, paced);
    }

    /**
     * Waits until the gateway conflates nearly every update for every stalled client (their bound is full and
     * it keeps newest values only), or closes them, or the fill timeout passes. Returns the seconds it took.
     */
    private double awaitFull(int stalledOk, MetricsScrape start) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + TimeUnit.SECONDS.toNanos(options.stall().fillTimeoutSeconds());
        double target = FILLED_SHARE * stalledOk * options.stall().fillRate();
        MetricsScrape previous = start;
        while (System.nanoTime() < deadline) {
            sleep(FILL_POLL_SECONDS);
            MetricsScrape now = probe.scrape();
            double conflatedPerSecond = perSecond(previous, now, FILL_POLL_SECONDS);
            double disconnected = now.sum(DISCONNECTS) - start.sum(DISCONNECTS);
            previous = now;
            if (conflatedPerSecond >= target || disconnected >= stalledOk) {
                double seconds = (System.nanoTime() - begin) / 1e9;
                log.info("outbound bound full after {} s: {} conflated/s, {} disconnected", String.format("%.0f", seconds),
                        String.format("%.0f", conflatedPerSecond), (long) disconnected);
                return seconds;
            }
            log.info("filling: {} conflated/s of {} wanted", String.format("%.0f", conflatedPerSecond), String.format("%.0f", target));
        }
        log.warn("the stalled clients' bound did not fill within {} s: measuring anyway", options.stall().fillTimeoutSeconds());
        return -1;
    }

    /** Waits (bounded) until the gateway holds only the live subscribers again. */
    private void awaitClosed(int liveOk) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && probe.scrape().sum("connections_active") > liveOk) {
            Thread.sleep(200);
        }
    }

    private void awaitStragglers(PhasedDeliveries.Phase last, int receivers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.graceSeconds());
        while (System.nanoTime() < deadline && last.delivered() < last.expected(receivers)) {
            Thread.sleep(10);
        }
    }

    /** Heap after a full collection, RSS, direct memory and open connections at one point of the run. */
    private void reading(String when) {
        GatewayProbe.HeapReading heap = probe.heapAfterGc();
        MetricsScrape metrics = probe.scrape();
        gateway.put(when, new ResultLine()
                .put("heap_live_bytes", heap.liveBytes())
                .put("heap_used_after_gc_bytes", heap.usedBytes())
                .put("rss_kb", probe.rssKb())
                .put("direct_buffer_bytes", (long) metrics.sum("jvm_buffer_memory_used_bytes", MetricsScrape.label("id", "direct")))
                .put("connections_active", (long) metrics.sum("connections_active")));
        log.info("{}: live heap {} MiB, RSS {} MiB", when, heap.liveBytes().isPresent() ? heap.liveBytes().getAsLong() >> 20 : "?",
                probe.rssKb().isPresent() ? probe.rssKb().getAsLong() >> 10 : "?");
    }

    private ResultLine result(Connections live, PhasedDeliveries.Phase alone, PhasedDeliveries.Phase stalled,
                              ResultLine stall, PacedPublisher paced) {
        log.info("summary: live alone {} | with {} stalled {} | stalled clients: {} | live heap {}",
                Summary.phase(alone, live.ok()), options.stall().clients(), Summary.phase(stalled, live.ok()),
                stall.text("fate"), Summary.heaps(gateway, "before_stalled", "while_stalled", "after_closed"));
        return ResultLine.describing(options)
                .put("connected_ok", live.ok())
                .put("connect_failed", live.failed())
                .put("dropped_during_run", live.dropped())
                .put("connect_failures", live.failureReasons())
                .put("rate", options.rate())
                .put("size", options.size())
                .put("duration_s", options.durationSeconds())
                .put("alone", alone.figures(live.ok()))
                .put("stalled", stalled.figures(live.ok()))
                .put("stalled_clients", stall)
                .put("gateway", gateway)
                .put("other_received", deliveries.other())
                .put("publish_behind_max_ms", paced.maxBehindMillis())
                .put("args", options.args());
    }

    /** Updates conflated for slow consumers per second between two scrapes {@code seconds} apart. */
    private static double perSecond(MetricsScrape from, MetricsScrape to, long seconds) {
        return (to.sum(CONFLATED, SLOW_CONSUMER) - from.sum(CONFLATED, SLOW_CONSUMER)) / seconds;
    }


    private static void sleep(long seconds) throws InterruptedException {
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    }
}
