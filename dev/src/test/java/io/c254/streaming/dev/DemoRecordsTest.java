package io.c254.streaming.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DemoRecordsTest {

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

    /** The records of this many ticks, in order, from a seeded random walk at a fixed instant. */
    private static List<ProducerRecord<String, String>> publish(int ticks) {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(42);
        DemoRecords records = new DemoRecords(random, Clock.fixed(NOW, ZoneOffset.UTC));
        List<ProducerRecord<String, String>> all = new ArrayList<>();
        for (int i = 0; i < ticks; i++) {
            all.addAll(records.next());
        }
        return all;
    }
}
