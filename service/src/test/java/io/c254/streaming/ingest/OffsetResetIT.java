package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.GatedTcpProxy;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ACCESS_KAFKA_AUTO_OFFSET_RESET decides where partitions present at start begin. Delivery is live (no
 * replay to later subscribers), so a subscriber must be in place before the consumer reads: the
 * service reaches Kafka through a {@link GatedTcpProxy} that the test opens once its client has subscribed.
 */
class OffsetResetIT {

    private static String record(String marker) {
        return "{\"marker\":\"" + marker + "\"}";
    }

    private static WsClient subscribed(TestServer server, String topic) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
        client.nextOfType("subscribed");
        return client;
    }

    private static JsonNode nextDataOf(WsClient client, String topic) {
        return client.nextMatching(m -> "data".equals(m.path("type").asText()) && topic.equals(m.path("topic").asText()),
                Duration.ofSeconds(30));
    }

    @Test
    void withEarliestARecordWrittenBeforeTheServiceStartedIsDelivered() throws Exception {
        String topic = TestKafka.uniqueTopic("reset-earliest");
        TestKafka.broker().createTopic(topic, 1);
        String before = UUID.randomUUID().toString();
        TestKafka.publish(topic, "k", record(before));
        try (GatedTcpProxy kafka = GatedTcpProxy.to(TestKafka.broker().bootstrapServers());
             TestServer server = TestServer.builder()
                     .env("ACCESS_KAFKA_BOOTSTRAP", kafka.address())
                     .env("ACCESS_KAFKA_AUTO_OFFSET_RESET", "earliest")
                     .topic(topic)
                     .noKafkaWait()
                     .start();
             WsClient client = subscribed(server, topic)) {
            assertThat(server.get("/health/ready").statusCode()).as("the consumer has read nothing yet").isEqualTo(503);
            kafka.open();
            await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/health/ready").statusCode() == 200);
            String after = UUID.randomUUID().toString();
            TestKafka.publish(topic, "k", record(after));
            JsonNode first = nextDataOf(client, topic);
            assertThat(first.path("data").path("marker").asText()).as("the first record of the topic delivered").isEqualTo(before);
            assertThat(first.path("offset").asLong()).isZero();
            assertThat(nextDataOf(client, topic).path("data").path("marker").asText()).isEqualTo(after);
        }
    }

    @Test
    void byDefaultOnlyRecordsWrittenAfterStartAreDelivered() throws Exception {
        String topic = TestKafka.uniqueTopic("reset-latest");
        TestKafka.broker().createTopic(topic, 1);
        String before = UUID.randomUUID().toString();
        TestKafka.publish(topic, "k", record(before));
        try (GatedTcpProxy kafka = GatedTcpProxy.to(TestKafka.broker().bootstrapServers());
             TestServer server = TestServer.builder()
                     .env("ACCESS_KAFKA_BOOTSTRAP", kafka.address())
                     .topic(topic)
                     .noKafkaWait()
                     .start();
             WsClient client = subscribed(server, topic)) {
            assertThat(server.get("/health/ready").statusCode()).as("the consumer has read nothing yet").isEqualTo(503);
            kafka.open();
            // ready once the partitions are assigned and positioned: what is published from here is read
            await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/health/ready").statusCode() == 200);
            String after = UUID.randomUUID().toString();
            TestKafka.publish(topic, "k", record(after));
            // one partition keeps order: the record from before start would come first
            JsonNode first = nextDataOf(client, topic);
            assertThat(first.path("data").path("marker").asText()).as("the first record of the topic delivered").isEqualTo(after);
            assertThat(first.path("offset").asLong()).isEqualTo(1);
        }
    }
}
