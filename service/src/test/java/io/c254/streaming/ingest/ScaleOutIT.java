package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Instances behind a load balancer each read every partition: a client sees everything whichever instance it lands on. */
class ScaleOutIT {

    private static final int PARTITIONS = 3;

    /**
     * Both instances get the same instance id, hence the same consumer group id: had they joined that
     * group (subscribe instead of assign), Kafka would split the partitions between them and each
     * client would miss the records of the other instance's share.
     */
    private static TestServer instance(String topic, String instanceId, String clientId) {
        return TestServer.builder()
                .env("ACCESS_INSTANCE_ID", instanceId)
                .env("ACCESS_KAFKA_PROPERTY_CLIENT_ID", clientId)
                .topic(topic)
                .start();
    }

    private static WsClient subscribed(TestServer server, String topic) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
        client.nextOfType("subscribed");
        return client;
    }

    @Test
    void twoInstancesOnTheSameTopicBothDeliverTheRecordsOfEveryPartition() throws Exception {
        String topic = TestKafka.uniqueTopic("scale-out");
        TestKafka.broker().createTopic(topic, PARTITIONS);
        String sharedInstanceId = "scale-out-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestServer first = instance(topic, sharedInstanceId, "scale-out-first");
             TestServer second = instance(topic, sharedInstanceId, "scale-out-second");
             WsClient atFirst = subscribed(first, topic);
             WsClient atSecond = subscribed(second, topic)) {
            String run = UUID.randomUUID().toString();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                TestKafka.publish(topic, partition, "k" + partition, "{\"marker\":\"" + run + "-" + partition + "\"}");
            }

            Map<String, Integer> expected = Map.of(run + "-0", 0, run + "-1", 1, run + "-2", 2);
            assertThat(markersToPartitions(atFirst, topic)).as("records delivered by the first instance").isEqualTo(expected);
            assertThat(markersToPartitions(atSecond, topic)).as("records delivered by the second instance").isEqualTo(expected);
        }
    }

    /** The topic's first three data messages, as marker → partition (partitions interleave in any order). */
    private static Map<String, Integer> markersToPartitions(WsClient client, String topic) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            JsonNode data = client.nextMatching(m -> "data".equals(m.path("type").asText()) && topic.equals(m.path("topic").asText()),
                    Duration.ofSeconds(30));
            seen.put(data.path("data").path("marker").asText(), data.path("partition").asInt());
        }
        return seen;
    }
}
