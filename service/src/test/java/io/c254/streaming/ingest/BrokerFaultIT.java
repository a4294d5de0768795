package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Broker faults under running clients: an outage of half a minute while a producer keeps writing, and
 * a topic deleted and created again. Clients stay connected and lose nothing that Kafka still holds.
 */
class BrokerFaultIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @TempDir
    Path kafkaData;

    @Test
    @Timeout(180)
    void aHalfMinuteOutageWhileRecordsAreWrittenIsReportedAndLosesNothingForConnectedOrResumingClients() throws Exception {
        String topic = TestKafka.uniqueTopic("outage");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, kafkaData);
        int port = broker.port();
        broker.createTopic(topic, 2);
        try (TestServer server = TestServer.builder().topicNotInKafka(topic).env("ACCESS_KAFKA_BOOTSTRAP", broker.bootstrapServers()).start();
             KafkaProducer<String, String> producer = producer(broker.bootstrapServers());
             WsClient staying = subscribed(server, topic, null)) {
            String leavingCursor;
            List<JsonNode> stayingGot;
            List<Future<?>> sent = new ArrayList<>();
            try (WsClient leaving = subscribed(server, topic, null)) {
                for (int seq = 0; seq < 20; seq++) {
                    sent.add(producer.send(record(topic, seq)));
                }
                stayingGot = new ArrayList<>(collectAll(staying, range(0, 20)));
                leavingCursor = collectAll(leaving, range(0, 20)).getLast().path("cursor").asText();
            }

            broker.close();
            // the producer goes on writing: its records wait in its buffer, or its sends for metadata, until the broker is back
            ExecutorService writer = Executors.newSingleThreadExecutor();
            Future<List<Future<?>>> writtenDuringOutage = writer.submit(() -> {
                List<Future<?>> sends = new ArrayList<>();
                for (int seq = 20; seq < 40; seq++) {
                    sends.add(producer.send(record(topic, seq)));
                }
                return sends;
            });
            writer.shutdown();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(server.get("/health/ready").statusCode()).isEqualTo(503));
            // for as long as the outage lasts: reported, and the client is not dropped
            await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(JSON.readTree(server.get("/health").body()).path("dependencies").path("kafka").asText()).isEqualTo("down");
                assertThat(JSON.readTree(server.get("/health/ready").body()).path("reason").asText()).isEqualTo("kafka_unreachable");
                assertThat(staying.isClosed()).isFalse();
            });

            broker = EmbeddedKafkaBroker.start(port, kafkaData);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(server.get("/health/ready").statusCode()).isEqualTo(200));
            sent.addAll(writtenDuringOutage.get(120, TimeUnit.SECONDS));
            for (int seq = 40; seq < 50; seq++) {
                sent.add(producer.send(record(topic, seq)));
            }
            for (Future<?> send : sent) {
                send.get(60, TimeUnit.SECONDS);
            }

            stayingGot.addAll(collectAll(staying, range(20, 50)));
            assertThat(sequence(stayingGot)).as("the connected client, without a loss").containsExactlyInAnyOrderElementsOf(range(0, 50));
            try (WsClient resumed = subscribed(server, topic, leavingCursor)) {
                List<JsonNode> got = collectAll(resumed, range(20, 50));
                assertThat(sequence(got)).as("the client that left as the broker went").containsExactlyInAnyOrderElementsOf(range(20, 50));
            }
        } finally {
            broker.close();
        }
    }

    @Test
    @Timeout(120)
    void aTopicDeletedAndCreatedAgainIsStreamedFromTheStartOfItsNewLog() throws Exception {
        String topic = TestKafka.uniqueTopic("recreated");
        EmbeddedKafkaBroker broker = TestKafka.broker();
        broker.createTopic(topic, 1);
        try (TestServer server = TestServer.builder().topicNotInKafka(topic).start();
             WsClient client = subscribed(server, topic, null);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            for (int seq = 0; seq < 5; seq++) {
                TestKafka.publish(topic, "k", "{\"seq\":" + seq + "}");
            }
            client.collectUntilData("seq", "4");

            admin.deleteTopics(Set.of(topic)).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                admin.createTopics(Set.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                return true;
            });
            // the new log starts at offset 0 again: three records, fewer than the old log held
            for (int seq = 100; seq < 103; seq++) {
                TestKafka.publish(topic, "k", "{\"seq\":" + seq + "}");
            }

            List<JsonNode> got = client.collectUntil(m -> isData(m) && m.path("data").path("seq").asInt() == 102, Duration.ofSeconds(60));
            assertThat(sequence(got)).containsExactly(100, 101, 102);
            assertThat(got.stream().filter(BrokerFaultIT::isData).map(m -> m.path("offset").asLong()).toList()).containsExactly(0L, 1L, 2L);
            String cursorOfFirst = got.stream().filter(BrokerFaultIT::isData).findFirst().orElseThrow().path("cursor").asText();
            try (WsClient resumed = subscribed(server, topic, cursorOfFirst)) {
                List<JsonNode> replayed = resumed.collectUntil(m -> isData(m) && m.path("data").path("seq").asInt() == 102, Duration.ofSeconds(30));
                assertThat(sequence(replayed)).as("resumed from the new log's cursor").containsExactly(101, 102);
            }
        }
    }

    private static WsClient subscribed(TestServer server, String topic, String resume) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]"
                + (resume == null ? "" : ",\"resume\":\"" + resume + "\"") + "}}");
        client.nextOfType("subscribed");
        return client;
    }

    /** Messages until every sequence number wanted has come (partitions interleave, so the last to come is not known). */
    private static List<JsonNode> collectAll(WsClient client, List<Integer> wanted) {
        Set<Integer> missing = new java.util.TreeSet<>(wanted);
        try {
            return client.collectUntil(m -> {
                if (isData(m)) {
                    missing.remove(m.path("data").path("seq").asInt());
                }
                return missing.isEmpty();
            }, Duration.ofSeconds(60));
        } catch (AssertionError e) {
            throw new AssertionError("still missing " + missing + ": " + e.getMessage(), e);
        }
    }

    private static boolean isData(JsonNode message) {
        return message.path("type").asText().equals("data");
    }

    private static List<Integer> sequence(List<JsonNode> messages) {
        return messages.stream().filter(BrokerFaultIT::isData).map(m -> m.path("data").path("seq").asInt()).toList();
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).boxed().toList();
    }

    /** Spread over the partitions by key; sequence numbers tell what is missing or repeated. */
    private static ProducerRecord<String, String> record(String topic, int seq) {
        return new ProducerRecord<>(topic, "key-" + (seq % 7), "{\"seq\":" + seq + "}");
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 150_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 150_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }
}
