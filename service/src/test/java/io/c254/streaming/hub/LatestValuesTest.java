package io.c254.streaming.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The newest value per key of `latest` topics: what a new subscriber is sent first. */
class LatestValuesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PRICES = "prices";

    @Test
    void theNewestValueOfEachKeyIsKeptByTheTopicsKeyFieldElseTheKafkaKey() {
        LatestValues values = new LatestValues(Map.of(PRICES, "sym"), 100, 1 << 20);
        values.update(message(1, "k1", "{\"sym\":\"A\",\"v\":1}", null));
        values.update(message(2, "k2", "{\"sym\":\"A\",\"v\":2}", null));
        values.update(message(3, "k3", "{\"v\":3}", null));
        values.update(message(4, "k3", "{\"v\":4}", null));
        values.update(message(5, null, "{\"v\":5}", null));

        assertThat(values.of(PRICES, null)).extracting(Message::offset).containsExactlyInAnyOrder(2L, 4L);
        assertThat(values.keys(PRICES)).isEqualTo(2);
    }

    @Test
    void eachTenantsValuesAreApartAndOnlyItsOwnAreGiven() {
        LatestValues values = new LatestValues(Map.of(PRICES, "sym"), 100, 1 << 20);
        values.update(message(1, null, "{\"sym\":\"A\"}", "acme"));
        values.update(message(2, null, "{\"sym\":\"A\"}", "globex"));

        assertThat(values.of(PRICES, "acme")).extracting(Message::offset).containsExactly(1L);
        assertThat(values.of(PRICES, "globex")).extracting(Message::offset).containsExactly(2L);
    }

    @Test
    void pastItsBoundsATopicDropsValuesAndCountsThem() {
        LatestValues values = new LatestValues(Map.of(PRICES, "sym"), 10, 1 << 20);
        for (int i = 0; i < 50; i++) {
            values.update(message(i, null, "{\"sym\":\"K" + i + "\"}", null));
        }

        assertThat(values.keys(PRICES)).isLessThanOrEqualTo(10);
        assertThat(values.bytes(PRICES)).isLessThanOrEqualTo(1 << 20);
        assertThat(values.evicted(PRICES)).isEqualTo(50 - values.keys(PRICES));
    }

    @Test
    void onlyLatestTopicsAreHeldAndZeroBoundsHoldNone() {
        Map<String, String> keyFields = new HashMap<>();
        keyFields.put(PRICES, null);
        assertThat(new LatestValues(keyFields, 10, 1000).holds(PRICES)).isTrue();
        assertThat(new LatestValues(keyFields, 10, 1000).holds("curves")).isFalse();
        assertThat(new LatestValues(keyFields, 0, 1000).holds(PRICES)).isFalse();
    }

    private static Message message(long offset, String key, String json, String tenant) {
        try {
            ObjectNode value = (ObjectNode) MAPPER.readTree(json);
            return new Message(PRICES, 0, offset, 1_700_000_000_000L, key, value, MAPPER.writeValueAsBytes(value), tenant);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
