package io.c254.streaming.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario h: steady subscribers receive all along while storm clients connect, then all drop at once and
 * reconnect within a second, each refusal retried after its Retry-After. The steady subscribers are measured in
 * a window before the storm, during it (from the drop until every storm client is back, at least one window
 * long), and in one after it; the storm's own figures are its attempts, refusals and time until all are back.
 */
final class StormRun {

    private static final Logger log = LoggerFactory.getLogger(StormRun.class);

    private final Options options;
    private final GatewayProbe probe;
    private final PhasedDeliveries deliveries = new PhasedDeliveries();

    StormRun(Options options) {
        this.options = options;
        this.probe = new GatewayProbe(options.urlHost(), options.port(), options.serverPid());
    }

    ResultLine run() throws InterruptedException {
        try (Publisher publisher = Publisher.open(options);
             SubscriberPool steady = new SubscriberPool(options, deliveries)) {
            Connections steadyConnections = steady.connectAll();
            log.info("{} of {} steady subscribers ok", steadyConnections.ok(), options.subscribers());
            try (PacedPublisher paced = PacedPublisher.start(publisher, options.size(), options.rate(), options.instruments(),
                    deliveries::onPublished, "publisher");
                 StormClients storm = new StormClients(options)) {
                return phases(steadyConnections, storm, paced);
            }
        }
    }

    private ResultLine phases(Connections steady, StormClients storm, PacedPublisher paced) throws InterruptedException {
        deliveries.begin("first connections", false);
        StormTally first = storm.connectAll();
        log.info("{} of {} storm clients connected", first.back(), options.storm().clients());
        deliveries.begin("warm-up", false);
        sleep(options.warmupSeconds());
        PhasedDeliveries.Phase before = deliveries.begin("before", true);
        sleep(options.durationSeconds());
        MetricsScrape start = probe.scrape();
        PhasedDeliveries.Phase during = deliveries.begin("storm", true);
        long dropNanos = System.nanoTime();
        StormTally reconnect = storm.dropAndReconnect();
        log.info("{} of {} storm clients back", reconnect.back(), options.storm().clients());
        // the window under the storm is at least as long as the others
        Pace.parkUntil(dropNanos + TimeUnit.SECONDS.toNanos(options.durationSeconds()));
        MetricsScrape end = probe.scrape();
        PhasedDeliveries.Phase after = deliveries.begin("after", true);
        sleep(options.durationSeconds());
        deliveries.begin("end", false);
        awaitStragglers(after, steady.ok());
        ResultLine figures = reconnect.figures(options.storm().clients());
        log.info("summary: steady before {} | storm {} | after {}", Summary.phase(before, steady.ok()),
                Summary.phase(during, steady.ok()), Summary.phase(after, steady.ok()));
        log.info("summary: storm of {}: back {} in {} s, attempts {}, refusals {}, Retry-After {}, errors {}",
                options.storm().clients(), figures.text("back"), figures.text("all_back_s"), figures.text("attempts"),
                figures.text("refusals"), figures.text("retry_after_s"), figures.text("errors"));
        return ResultLine.describing(options)
                .put("connected_ok", steady.ok())
                .put("connect_failed", steady.failed())
                .put("dropped_during_run", steady.dropped())
                .put("connect_failures", steady.failureReasons())
                .put("rate", options.rate())
                .put("size", options.size())
                .put("duration_s", options.durationSeconds())
                .put("before", before.figures(steady.ok()))
                .put("storm", during.figures(steady.ok()))
                .put("after", after.figures(steady.ok()))
                .put("storm_first_connect", first.figures(options.storm().clients()))
                .put("storm_reconnect", figures)
                .put("storm_lost_after_back", storm.lost())
                .put("storm_source_addresses", options.storm().sourceAddresses())
                .put("storm_within_ms", options.storm().withinMillis())
                .putCounts("gateway_refused", start.increase(end, "connections_refused_total", "reason"))
                .putCounts("gateway_rate_limited", start.increase(end, "rate_limited_total", "scope"))
                .putCounts("gateway_timed_out", start.increase(end, "connections_timed_out_total", "phase"))
                .put("gateway_pending_tasks_max_at_end", (long) end.max("event_loop_pending_tasks"))
                .put("other_received", deliveries.other())
                .put("publish_behind_max_ms", paced.maxBehindMillis())
                .put("args", options.args());
    }

    private void awaitStragglers(PhasedDeliveries.Phase last, int receivers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.graceSeconds());
        while (System.nanoTime() < deadline && last.delivered() < last.expected(receivers)) {
            Thread.sleep(10);
        }
    }


    private static void sleep(long seconds) throws InterruptedException {
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    }
}
