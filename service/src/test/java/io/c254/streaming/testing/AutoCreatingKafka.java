package io.c254.streaming.testing;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A second real broker, for the one promise the shared {@link TestKafka} broker cannot test: that the
 * service never creates topics. The shared broker (like the embedded one of dev mode) refuses to
 * auto-create topics, so no client could create one there by asking for its metadata; this one
 * creates them as Kafka does by default ({@code auto.create.topics.enable=true}). Same single-node
 * KRaft set-up as {@code EmbeddedKafkaBroker}, on loopback, in a temporary directory deleted on close.
 */
public final class AutoCreatingKafka implements AutoCloseable {

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaRaftServer server;
    private final int port;
    private final Path dir;
    private final Admin admin;

    private AutoCreatingKafka(KafkaRaftServer server, int port, Path dir, Admin admin) {
        this.server = server;
        this.port = port;
        this.dir = dir;
        this.admin = admin;
    }

    public static AutoCreatingKafka start() throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Path dir = Files.createTempDirectory("auto-creating-kafka-");
        KafkaConfig config = KafkaConfig.fromProps(properties(port, controllerPort, dir));
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(config.metadataLogDir())
                .setDirectories(List.of(dir.toAbsolutePath().toString()))
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .run();
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LOOPBACK + ":" + port,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
        return new AutoCreatingKafka(server, port, dir, admin);
    }

    private static Properties properties(int port, int controllerPort, Path dir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + LOOPBACK + ":" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + port + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        // the point of this broker: any client asking for an unknown topic's metadata creates it
        p.put("auto.create.topics.enable", "true");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "1");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "1");
        return p;
    }

    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    /** The topics the broker holds now (internal ones left out). */
    public Set<String> topicNames() throws Exception {
        return admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Creates a one-partition topic, or leaves one that exists as it is, and waits until its partition has a leader. */
    public void createTopic(String name) throws Exception {
        try {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw e;
            }
        }
        org.awaitility.Awaitility.await().atMost(ADMIN_TIMEOUT).ignoreExceptions().until(() ->
                admin.describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS).get(name).partitions().stream()
                        .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty()));
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        // bounded, as the shared broker's: a shutdown that hangs is left to the JVM's exit
        Thread stopper = Thread.ofPlatform().daemon().name("auto-creating-kafka-stop").start(() -> {
            server.shutdown();
            server.awaitShutdown();
        });
        try {
            stopper.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }
}
