package io.c254.streaming.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Messages as the ingest decodes them, for the hub's tests: the timestamp follows the offset. */
final class Records {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Records() {
    }

    static Message record(String topic, int partition, long offset, String json) {
        return record(topic, partition, offset, json, null);
    }

    /** @param tenant the tenant a record of a tenant-scoped topic names; null elsewhere */
    static Message record(String topic, int partition, long offset, String json, String tenant) {
        try {
            ObjectNode value = (ObjectNode) MAPPER.readTree(json);
            return new Message(topic, partition, offset, 1_700_000_000_000L + offset, null, value, MAPPER.writeValueAsBytes(value), tenant);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
