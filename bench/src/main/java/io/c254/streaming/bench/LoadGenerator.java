package io.c254.streaming.bench;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load generator: subscribers to the gateway or to Nchan, a publisher at a fixed rate, and one JSON line
 * of figures on stdout (logs go to stderr). Options are {@code --key=value}; see bench/README.md.
 * Exit status 0 with a line (a step that lost records still printed its figures), 2 for bad options,
 * 1 when the run could not take place (no broker, say).
 */
public final class LoadGenerator {

    private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);

    private LoadGenerator() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.peer() == Peer.NCHAN && options.shape() != Options.LoadShape.STEADY) {
            System.err.println("error: --shape=" + options.shape().name().toLowerCase(java.util.Locale.ROOT)
                    + " measures the gateway only (its slow-consumer bound, its admission limits)");
            System.exit(2);
            return;
        }
        if (options.peer() == Peer.NCHAN && options.isFiltered()) {
            System.out.println(skipped(options, "Nchan has no per-subscriber filters: every subscriber of a channel gets "
                    + "every message, so filtering would need one channel per instrument, which is another design"));
            return;
        }
        try {
            ResultLine line = switch (options.shape()) {
                case STEADY -> new BenchRun(options).run();
                case STALL -> new StallRun(options).run();
                case STORM -> new StormRun(options).run();
            };
            System.out.println(line.toJson());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("interrupted");
            System.exit(1);
        } catch (RuntimeException e) {
            log.error("run failed: {}", e.getMessage(), e);
            System.exit(1);
        }
        // Kafka's and the HTTP client's threads must not keep the JVM up after the line
        System.exit(0);
    }

    private static String skipped(Options options, String reason) {
        log.warn("skipped: {}", reason);
        return ResultLine.describing(options)
                .put("rate", options.rate())
                .put("skipped", reason)
                .put("args", options.args())
                .toJson();
    }
}
