package io.c254.streaming.ingest;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.CapturedLogs;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Kafka side: bad records, partitions and topics that appear while the service runs. */
class KafkaIngestIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EVENTS = TestKafka.uniqueTopic("ingest-events");
    private static final String GROWING = TestKafka.uniqueTopic("ingest-growing");
    private static final String LATE = TestKafka.uniqueTopic("ingest-late");
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .topic(EVENTS)
                .topic(GROWING)
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static WsClient subscribed(String... topics) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":" + quoted(topics) + "}}");
        client.nextOfType("subscribed");
        return client;
    }

    private static String quoted(String... topics) {
        return "[\"" + String.join("\",\"", topics) + "\"]";
    }

    @Test
    void recordsThatAreNotJsonObjectsAreSkippedCountedAndDoNotStopTheStream() throws Exception {
        long skippedBefore = JSON.readTree(server.get("/stats").body()).path("kafka").path("invalid_messages_skipped").asLong();
        try (WsClient client = subscribed(EVENTS)) {
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(EVENTS, "k", "not json at all");
            TestKafka.publish(EVENTS, "k", "[1,2,3]");
            TestKafka.publish(EVENTS, "k", "");
            TestKafka.publish(EVENTS, "k", "{\"marker\":\"" + marker + "\",\"note\":\"pretty\",\n  \"nested\": {\"a\": 1}\n}");

            JsonNode first = client.nextMatching(m -> "data".equals(m.path("type").asText()), Duration.ofSeconds(10));
            assertThat(first.path("data").path("marker").asText()).isEqualTo(marker);
            assertThat(first.path("data").path("nested").path("a").asInt()).isEqualTo(1);
        }
        JsonNode kafka = JSON.readTree(server.get("/stats").body()).path("kafka");
        assertThat(kafka.path("invalid_messages_skipped").asLong()).isEqualTo(skippedBefore + 3);
        assertThat(kafka.path("messages_consumed").asLong()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aRunOfBadRecordsLogsOneWarningPerPowerOfTwoWithTheCount() throws Exception {
        String topic = TestKafka.uniqueTopic("ingest-garbage");
        // a server of its own: the count in the warnings is the instance's, and starts at zero here
        try (CapturedLogs warnings = CapturedLogs.of(KafkaIngest.class.getName(), Level.WARN);
             TestServer own = TestServer.builder().topic(topic).start();
             WsClient client = WsClient.connect(own.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
            client.nextOfType("subscribed");

            TestKafka.publishAll(topic, Collections.nCopies(9, "not json"));
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(topic, "k", "{\"marker\":\"" + marker + "\"}");
            // one partition: the nine bad records (offsets 0 to 8) were read before the marker was delivered
            client.nextMatching(m -> marker.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30));

            Pattern skipped = Pattern.compile(".*topic=" + Pattern.quote(topic) + " partition=0 offset=(\\d+) \\(skipped so far: (\\d+)\\)$");
            await().atMost(Duration.ofSeconds(5)).until(() -> warnings.events(e -> skipped.matcher(e.getFormattedMessage()).matches()).size() >= 4);
            List<String> lines = warnings.events(e -> skipped.matcher(e.getFormattedMessage()).matches()).stream()
                    .map(e -> {
                        Matcher m = skipped.matcher(e.getFormattedMessage());
                        assertThat(m.matches()).isTrue();
                        return e.getLevel() + " offset " + m.group(1) + ", count " + m.group(2);
                    })
                    .toList();
            assertThat(lines).as("one warning for the 1st, 2nd, 4th and 8th bad record, none for the 3rd, 5th-7th and 9th")
                    .containsExactly("WARN offset 0, count 1", "WARN offset 1, count 2", "WARN offset 3, count 4", "WARN offset 7, count 8");
        }
    }

    @Test
    void partitionsAddedWhileRunningAreConsumedFromTheirStart() {
        try (WsClient client = subscribed(GROWING)) {
            TestKafka.broker().addPartitions(GROWING, 3);
            // published at once, before the service has seen the new partition: it must still arrive
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(GROWING, 2, "k", "{\"marker\":\"" + marker + "\"}");
            JsonNode data = client.nextMatching(m -> marker.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(20));
            assertThat(data.path("partition").asInt()).isEqualTo(2);
        }
    }

    @Test
    void registeredTopicCreatedAfterStartIsPickedUp() throws Exception {
        try (TestServer lateServer = TestServer.builder().env("ACCESS_TOPIC_REGISTRY_FILE", registryWith(LATE)).start();
             WsClient client = WsClient.connect(lateServer.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + LATE + "\"]}}");
            client.nextOfType("subscribed");

            TestKafka.broker().createTopic(LATE, 1);
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(LATE, "k", "{\"marker\":\"" + marker + "\"}");
            JsonNode data = client.nextMatching(m -> marker.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(20));
            assertThat(data.path("topic").asText()).isEqualTo(LATE);
        }
    }

    private static String registryWith(String topic) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("late", ".yaml");
        java.nio.file.Files.writeString(file, "topics:\n  - name: " + topic + "\n");
        file.toFile().deleteOnExit();
        return file.toString();
    }
}
