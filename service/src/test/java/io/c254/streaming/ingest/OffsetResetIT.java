package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.GatedTcpProxy;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        List<JsonNode> delivered = deliveredOfARecordBeforeStartAndOneAfter(Map.of("ACCESS_KAFKA_AUTO_OFFSET_RESET", "earliest"));

        assertThat(delivered).extracting(m -> m.path("data").path("marker").asText()).containsExactly("before", "after");
        assertThat(delivered.getFirst().path("offset").asLong()).isZero();
    }

    @Test
    void byDefaultOnlyRecordsWrittenAfterStartAreDelivered() throws Exception {
        List<JsonNode> delivered = deliveredOfARecordBeforeStartAndOneAfter(Map.of());

        // one partition keeps order: the record from before start would have come first
        assertThat(delivered.getFirst().path("data").path("marker").asText()).isEqualTo("after");
        assertThat(delivered.getFirst().path("offset").asLong()).isEqualTo(1);
    }

    /**
     * A topic gets a record, then a service starts with these variables behind a closed gate to Kafka;
     * once a client has subscribed the gate opens, and a second record is published when the service is
     * ready. Returns the topic's data messages the client got, up to the one published after start.
     */
    private static List<JsonNode> deliveredOfARecordBeforeStartAndOneAfter(Map<String, String> env) throws Exception {
        String topic = TestKafka.uniqueTopic("offset-reset");
        TestKafka.broker().createTopic(topic, 1);
        TestKafka.publish(topic, "k", record("before"));
        TestServer.Builder builder = TestServer.builder().topic(topic).noKafkaWait();
        try (GatedTcpProxy kafka = GatedTcpProxy.to(TestKafka.broker().bootstrapServers());
             TestServer server = withEnv(builder.env("ACCESS_KAFKA_BOOTSTRAP", kafka.address()), env).start();
             WsClient client = subscribed(server, topic)) {
            assertThat(server.get("/health/ready").statusCode()).as("the consumer has read nothing yet").isEqualTo(503);
            kafka.open();
            // ready once the partitions are assigned and positioned: what is published from here is read
            await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/health/ready").statusCode() == 200);
            TestKafka.publish(topic, "k", record("after"));
            List<JsonNode> delivered = new ArrayList<>();
            do {
                delivered.add(nextDataOf(client, topic));
            } while (!"after".equals(delivered.getLast().path("data").path("marker").asText()) && delivered.size() < 2);
            return delivered;
        }
    }

    private static TestServer.Builder withEnv(TestServer.Builder builder, Map<String, String> env) {
        env.forEach(builder::env);
        return builder;
    }
}
