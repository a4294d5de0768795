package io.c254.streaming.dev;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import io.c254.streaming.app.StreamingService;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigException;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;
import io.c254.streaming.registry.TopicRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode in one command: a real Kafka broker in this JVM, a demo feed publishing prices to it,
 * and the gateway reading from it. Ctrl-C stops all three.
 *
 * <p>The broker starts on a fresh temporary data dir every time, so each run begins with empty
 * topics and no leftover consumer offsets.
 */
public final class DevMain {

    static final int DEFAULT_KAFKA_PORT = 9092;
    static final int TOPIC_PARTITIONS = 3;

    private static final Logger log = LoggerFactory.getLogger(DevMain.class);
    private static final Duration SHUTDOWN_BUDGET = Duration.ofSeconds(30);
    private static final int EXIT_FAILURE = 1;
    private static final int EXIT_CONFIG = 2;

    private DevMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        // Installed first so that whatever has started is stopped, whether by Ctrl-C or a failure below.
        ShutdownSequence shutdown = new ShutdownSequence(SHUTDOWN_BUDGET).install();
        try {
            start(System.getenv(), shutdown);
        } catch (ConfigException e) {
            exit(EXIT_CONFIG, e.getMessage());
        } catch (Exception e) {
            // The one-line message is what a developer needs (e.g. "port 9092 ... already in use");
            // the stack trace stays available at DEBUG.
            log.debug("Dev mode failed to start", e);
            exit(EXIT_FAILURE, e.getMessage() != null ? e.getMessage() : e.toString());
        }
        // Everything runs on its own threads; this one only waits for Ctrl-C (the JVM exits from the hook).
        new CountDownLatch(1).await();
    }

    private static void start(Map<String, String> systemEnv, ShutdownSequence shutdown) throws Exception {
        int kafkaPort = kafkaPort(systemEnv);
        EmbeddedKafkaBroker broker = shutdown.add("Kafka broker", EmbeddedKafkaBroker.start(kafkaPort, null));

        Config config = ConfigLoader.load(serviceEnv(systemEnv, broker.bootstrapServers()));
        List<String> topics = createTopics(broker, config);

        shutdown.add("demo feed", DemoFeed.start(broker.bootstrapServers()));

        var service = StreamingService.start(config);
        shutdown.add("streaming service", service);

        System.out.println(Banner.text(service.port(), broker.port(), topics, Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    }

    /** The service reads only its environment: point it at the embedded broker unless told otherwise. */
    static Map<String, String> serviceEnv(Map<String, String> systemEnv, String bootstrapServers) {
        Map<String, String> env = new HashMap<>(systemEnv);
        env.putIfAbsent("ACCESS_KAFKA_BOOTSTRAP", bootstrapServers);
        env.putIfAbsent("ACCESS_ENV", "local");
        // Local mode accepts the well-known test token: keep the gateway off the network unless asked.
        env.putIfAbsent("ACCESS_BIND_ADDRESS", "127.0.0.1");
        return env;
    }

    static int kafkaPort(Map<String, String> systemEnv) {
        String value = systemEnv.get("DEV_KAFKA_PORT");
        if (value == null || value.isBlank()) {
            return DEFAULT_KAFKA_PORT;
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // reported below, like an out-of-range number
        }
        throw new ConfigException("DEV_KAFKA_PORT", "expected a port number 0-65535, got '" + value + "'");
    }

    /** The demo topics plus every topic the registry names, so that each registered topic can be streamed. */
    private static List<String> createTopics(EmbeddedKafkaBroker broker, Config config) {
        Set<String> names = new LinkedHashSet<>(DemoFeed.TOPICS);
        TopicRegistry.load(config).topics().forEach(topic -> names.add(topic.name()));
        for (String name : names) {
            broker.createTopic(name, TOPIC_PARTITIONS);
        }
        return List.copyOf(names);
    }

    private static void exit(int status, String message) {
        System.err.println("error: " + message);
        System.exit(status);
    }
}
