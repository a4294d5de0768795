package io.c254.streaming.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM.
 *
 * <p>Dev mode and the integration tests talk to it with the ordinary Kafka clients, so what they
 * exercise is the real protocol, not a mock. Both listeners bind to 127.0.0.1 only.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);
    private static final Duration METADATA_POLL = Duration.ofMillis(50);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaRaftServer server;
    private final int port;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Admin admin;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, int port, Path dataDir, boolean ownsDataDir, Admin admin) {
        this.server = server;
        this.port = port;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.admin = admin;
    }

    /**
     * Formats the storage (first run only: a reused data dir keeps its topics) and starts the
     * broker; returns once it accepts clients.
     *
     * @param port    client port on 127.0.0.1; 0 picks a free one
     * @param dataDir where logs and metadata live; null means a temporary directory deleted on close
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir) {
        return start(port, dataDir, Map.of());
    }

    /**
     * As {@link #start(int, Path)}, with broker properties that replace the defaults here: a test that
     * needs a broker behaving otherwise (auto-creating topics, say) gets one without a set-up of its own.
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir, Map<String, String> overrides) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        // Checked before the slow start-up so that "port taken" is reported at once and plainly.
        int clientPort = port == 0 ? freePort() : requireFree(port);
        int controllerPort = freePort();
        boolean ownsDataDir = dataDir == null;
        Path dir = ownsDataDir ? createTempDir() : createDir(dataDir);
        long startNanos = System.nanoTime();
        try {
            Properties properties = brokerProperties(clientPort, controllerPort, dir);
            properties.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(properties);
            format(config, dir);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            startServer(server);
            Admin admin = createAdmin(server, clientPort);
            log.info("Embedded Kafka broker up on {} in {} ms (data in {})",
                    bootstrap(clientPort), Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), dir);
            return new EmbeddedKafkaBroker(server, clientPort, dir, ownsDataDir, admin);
        } catch (RuntimeException e) {
            if (ownsDataDir) {
                deleteRecursively(dir);
            }
            throw e;
        }
    }

    /** The address to give Kafka clients, e.g. {@code 127.0.0.1:9092}. */
    public String bootstrapServers() {
        return bootstrap(port);
    }

    /** The client port (useful when started on port 0). */
    public int port() {
        return port;
    }

    /** Where the broker keeps its logs and metadata. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates a topic with replication factor 1, or leaves an existing one as it is, then waits
     * until every partition has a leader so that a producer or consumer started next sees it.
     */
    public void createTopic(String name, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        NewTopic topic = new NewTopic(name, partitions, (short) 1);
        try {
            await(admin.createTopics(List.of(topic)).all(), "create topic " + name);
        } catch (TopicExistsException alreadyThere) {
            log.debug("Topic {} already exists", name);
        }
        awaitPartitions(name, 1);
    }

    /** The topics the broker holds now, internal ones left out. */
    public Set<String> topicNames() {
        return await(admin.listTopics().names(), "list topics");
    }

    /** Grows a topic to {@code totalPartitions}; a no-op when it already has that many. */
    public void addPartitions(String name, int totalPartitions) {
        int current = partitionCount(name);
        if (current != totalPartitions) {
            NewPartitions increase = NewPartitions.increaseTo(totalPartitions);
            await(admin.createPartitions(Map.of(name, increase)).all(), "add partitions to " + name);
        }
        awaitPartitions(name, totalPartitions);
    }

    /** Stops the broker (bounded: gives up waiting after 30 s) and deletes a temporary data dir. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        admin.close(Duration.ofSeconds(5));
        stopServer(server);
        if (ownsDataDir) {
            deleteRecursively(dataDir);
        }
    }

    // ---- start-up -------------------------------------------------------------------------

    private static Properties brokerProperties(int clientPort, int controllerPort, Path dir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        // A static single-voter quorum: no dynamic-quorum bootstrapping, so it elects itself at once.
        p.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort + ","
                + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        // Advertise the same literal address we bind: "localhost" may resolve to ::1 first, where
        // nothing listens. Tools given "localhost:9092" as bootstrap still work, because after the
        // first metadata answer they connect to the advertised 127.0.0.1 address.
        p.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toAbsolutePath().toString());

        // One node: every internal topic must make do with a single replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // Fewer internal partitions: the first consumer group does not wait for 50 of them.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");

        p.put("num.partitions", "1");
        // The gateway must never create topics by subscribing to them; a missing topic is an error.
        p.put("auto.create.topics.enable", "false");
        // Tests start consumers and expect assignments immediately, not after a 3 s grace period.
        p.put("group.initial.rebalance.delay.ms", "0");
        // The default 128 MiB cleaner buffer is allocated up front and fails under small heaps.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        // A 2-core dev machine does not need the production thread pools.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "2");
        p.put("auto.leader.rebalance.enable", "false");
        return p;
    }

    private static void format(KafkaConfig config, Path dir) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            // Formatted by an earlier run: keep its cluster id (the formatter would reject a new one).
            return;
        }
        Formatter formatter = new Formatter()
                // The formatter prints "Formatting ..." to stdout; the host's console is not for that.
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                .setDirectories(List.of(dir.toAbsolutePath().toString()))
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION);
        try {
            formatter.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not format Kafka storage in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void startServer(KafkaRaftServer server) {
        try {
            // Blocks until the broker is unfenced, i.e. ready for clients.
            server.startup();
        } catch (RuntimeException e) {
            stopServer(server);
            throw new IllegalStateException("embedded Kafka broker failed to start: " + e.getMessage(), e);
        }
    }

    private static Admin createAdmin(KafkaRaftServer server, int clientPort) {
        try {
            return Admin.create(adminProperties(bootstrap(clientPort)));
        } catch (RuntimeException e) {
            stopServer(server);
            throw e;
        }
    }

    private static void stopServer(KafkaRaftServer server) {
        // Kafka's shutdown can wait on the controller; run it aside so close() is bounded.
        Thread stopper = Thread.ofPlatform().daemon().name("embedded-kafka-shutdown").start(() -> {
            server.shutdown();
            server.awaitShutdown();
        });
        try {
            stopper.join(SHUTDOWN_TIMEOUT);
            if (stopper.isAlive()) {
                log.warn("Embedded Kafka broker did not stop within {} s; leaving it to the JVM exit",
                        SHUTDOWN_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- topics ---------------------------------------------------------------------------

    private int partitionCount(String topic) {
        Map<String, TopicDescription> described =
                await(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic);
        return described.get(topic).partitions().size();
    }

    /**
     * Polls until the topic has at least {@code minimum} partitions and each has a leader; bounded
     * by {@link #METADATA_WAIT}. Topic creation is acknowledged before the metadata reaches the
     * broker's cache, so without this a producer could briefly see "unknown topic".
     */
    private void awaitPartitions(String topic, int minimum) {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (hasLeadersForAll(topic, minimum)) {
                return;
            }
            sleep(METADATA_POLL);
        }
        throw new IllegalStateException("topic " + topic + " did not show " + minimum
                + " partition(s) with leaders within " + METADATA_WAIT.toSeconds() + " s");
    }

    private boolean hasLeadersForAll(String topic, int minimum) {
        try {
            TopicDescription description = await(admin.describeTopics(List.of(topic)).allTopicNames(),
                    "describe topic " + topic).get(topic);
            return description.partitions().size() >= minimum
                    && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (UnknownTopicOrPartitionException notYetVisible) {
            return false;
        }
    }

    private static <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // Kafka's own errors (TopicExistsException, ...) are unchecked: let callers see them as they are.
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("could not " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not " + what + " within " + ADMIN_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        }
    }

    private static Properties adminProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(ADMIN_TIMEOUT.toMillis()));
        return p;
    }

    // ---- helpers --------------------------------------------------------------------------

    private static String bootstrap(int port) {
        return LOOPBACK + ":" + port;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + LOOPBACK, e);
        }
    }

    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Same option the broker's acceptor uses, so a port in TIME_WAIT is not reported as taken.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on " + LOOPBACK
                    + " is already in use (another Kafka running?): " + e.getMessage(), e);
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary Kafka data dir", e);
        }
    }

    private static Path createDir(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create Kafka data dir " + dir, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedKafkaBroker::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not delete Kafka data dir {}: {}", dir, e.getMessage());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("Could not delete {}: {}", path, e.getMessage());
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for topic metadata", e);
        }
    }
}
