package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** Records as the microbenchmarks feed them: about 200 bytes of JSON, like the load generator's. */
public final class SampleMessages {

    public static final String TOPIC = "served.market.latest_prices.v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleMessages() {
    }

    public static Message price(long offset, String instrument) {
        ObjectNode value = JSON.createObjectNode().put("instrument_id", instrument).put("commodity", "oil")
                .put("price", 75.5 + offset % 10).put("pad", "x".repeat(120));
        return new Message(TOPIC, (int) (offset % 3), offset, 1_705_312_200_000L + offset, instrument, value,
                value.toString().getBytes(StandardCharsets.UTF_8));
    }
}
