package io.c254.streaming.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class DemoFeedTest {

    private static final Instant NOW = Instant.parse("2024-01-15T10:30:00.123Z");
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void eachTickPublishesOneKeyedJsonRecordPerDemoTopic() throws Exception {
        List<ProducerRecord<String, String>> sent = publish(1);

        assertThat(sent).extracting(ProducerRecord::topic).containsExactlyElementsOf(DemoFeed.TOPICS);
        for (ProducerRecord<String, String> record : sent) {
            JsonNode value = json.readTree(record.value());
            assertThat(record.key()).isEqualTo(value.get("instrument_id").asText());
            assertThat(value.get("commodity").asText()).isIn("oil", "gas", "coal", "power");
            assertThat(value.get("region").asText()).isNotBlank();
            // Two decimals on the wire (83.10, not 83.1): checked on the text, since parsing drops the zero.
            assertThat(record.value()).containsPattern("\"price\":\\d+\\.\\d{2}[,}]");
            assertThat(value.get("volume").isInt()).isTrue();
            assertThat(value.get("timestamp").asText()).isEqualTo("2024-01-15T10:30:00Z");
        }
    }

    @Test
    void curveAndMarketDataRecordsCarryTheirExtraFields() throws Exception {
        for (ProducerRecord<String, String> record : publish(20)) {
            JsonNode value = json.readTree(record.value());
            switch (record.topic()) {
                case DemoFeed.CURVE_UPDATES_TOPIC -> {
                    assertThat(value.get("curve_id").asText()).endsWith("_FWD");
                    assertThat(value.get("tenor").asText()).matches("[MQ]\\d{1,2}");
                }
                case DemoFeed.MARKET_DATA_TOPIC -> {
                    assertThat(value.get("bid").decimalValue()).isLessThan(value.get("ask").decimalValue());
                    assertThat(value.get("source").asText()).isNotBlank();
                }
                default -> assertThat(value.has("tenor")).isFalse();
            }
        }
    }

    @Test
    void pricesWalkButStayPositive() throws Exception {
        for (ProducerRecord<String, String> record : publish(500)) {
            assertThat(json.readTree(record.value()).get("price").doubleValue()).isPositive();
        }
    }

    private static List<ProducerRecord<String, String>> publish(int ticks) {
        MockProducer<String, String> producer =
                new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(42);
        try (DemoFeed feed = new DemoFeed(producer, random, Clock.fixed(NOW, ZoneOffset.UTC))) {
            for (int i = 0; i < ticks; i++) {
                feed.tick();
            }
        }
        return producer.history();
    }
}
