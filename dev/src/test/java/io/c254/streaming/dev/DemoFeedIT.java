package io.c254.streaming.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The demo feed against a real broker: records reach every demo topic, keyed by instrument, as JSON objects. */
class DemoFeedIT {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theFeedPublishesKeyedJsonRecordsToEveryDemoTopic() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, null)) {
            DemoFeed.TOPICS.forEach(topic -> broker.createTopic(topic, 1));
            Map<String, ConsumerRecord<String, String>> firstByTopic = new HashMap<>();
            try (DemoFeed feed = DemoFeed.start(broker.bootstrapServers());
                 KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                         ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                         ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                         ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                         ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
                consumer.assign(DemoFeed.TOPICS.stream().map(topic -> new TopicPartition(topic, 0)).toList());
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (firstByTopic.size() < DemoFeed.TOPICS.size() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> firstByTopic.putIfAbsent(record.topic(), record));
                }
            }
            assertThat(firstByTopic).containsOnlyKeys(DemoFeed.TOPICS);
            for (ConsumerRecord<String, String> record : firstByTopic.values()) {
                JsonNode value = json.readTree(record.value());
                assertThat(value.isObject()).isTrue();
                assertThat(record.key()).isEqualTo(value.path("instrument_id").asText()).isNotBlank();
                assertThat(value.path("price").decimalValue()).isPositive();
            }
        }
    }
}
