package io.c254.streaming.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;

/**
 * The Kafka broker of a benchmark run, in a JVM of its own so that its CPU is not the gateway's: the
 * project's embedded broker with the gateway's three registered topics (3 partitions each; the gateway
 * is not ready until its topics exist). Prints {@code BenchBroker ready <bootstrap>} on stdout once
 * clients may connect, then runs until it is stopped (SIGTERM, SIGINT), when it shuts the broker down.
 *
 * <p>{@code --port=19092} (default), {@code --dir=<data dir>} (default: a temporary one, deleted on stop).
 */
public final class BenchBroker {

    /** The gateway's built-in registry (TopicRegistry): the benchmark publishes to the first. */
    static final List<String> TOPICS =
            List.of(Options.DEFAULT_TOPIC, "pricing.curve.updates.v1", "market.data.updates.v1");
    private static final int PARTITIONS = 3;

    private BenchBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 19092;
        Path dir = null;
        for (String arg : args) {
            if (arg.startsWith("--port=")) {
                port = Integer.parseInt(arg.substring("--port=".length()));
            } else if (arg.startsWith("--dir=")) {
                dir = Path.of(arg.substring("--dir=".length()));
            } else {
                System.err.println("error: unknown argument " + arg + " (expected --port=N, --dir=PATH)");
                System.exit(2);
            }
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, dir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "bench-broker-stop"));
        try {
            TOPICS.forEach(topic -> broker.createTopic(topic, PARTITIONS));
        } catch (RuntimeException e) {
            System.err.println("error: cannot create the topics: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("BenchBroker ready " + broker.bootstrapServers());
        stopped.await();
    }
}
