package io.c254.streaming.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A topic's rate on the console is of records read from Kafka: a topic whose log already holds thousands
 * of records when the gateway starts (it starts live, at their end) reads no rate until records come.
 */
class AdminOverviewIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aTopicsRateIsOfRecordsReadNotOfWhereItsLogStands() throws Exception {
        String topic = TestKafka.uniqueTopic("overview-rate");
        TestKafka.broker().createTopic(topic, 1);
        TestKafka.publishAll(topic, IntStream.range(0, 3_000).mapToObj(i -> "{\"seq\":" + i + "}").toList());

        try (TestServer server = TestServer.builder().topicNotInKafka(topic).start()) {
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(rate(server, topic)).as("records already in the log are not read").isZero());

            for (int i = 0; i < 20; i++) {
                TestKafka.publish(topic, "k", "{\"seq\":\"new-" + i + "\"}");
            }
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(rate(server, topic)).isPositive());
            assertThat(rate(server, topic)).as("20 records over the 10 s window, not thousands").isLessThanOrEqualTo(20);
        }
    }

    private static double rate(TestServer server, String topic) throws Exception {
        for (JsonNode node : JSON.readTree(server.get("/admin/overview").body()).path("topics")) {
            if (node.path("name").asText().equals(topic)) {
                return node.path("messages_per_second").asDouble();
            }
        }
        throw new AssertionError(topic + " is not in the overview");
    }
}
