package io.c254.streaming.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Message;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Turns a Kafka record into a {@link Message}, once; a value that is not a JSON object is rejected. */
final class RecordDecoder {

    private final ObjectMapper json;

    RecordDecoder(ObjectMapper json) {
        this.json = json;
    }

    /** The decoded message, or null when the value is missing or not a JSON object. */
    Message decode(ConsumerRecord<byte[], byte[]> record) {
        byte[] raw = record.value();
        if (raw == null || raw.length == 0) {
            return null;
        }
        JsonNode value;
        try {
            value = json.readTree(raw);
        } catch (IOException notJson) {
            return null;
        }
        if (!(value instanceof ObjectNode object)) {
            return null;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return new Message(record.topic(), record.partition(), record.offset(), record.timestamp(), key, object, compact(object));
    }

    /** Producers may send pretty-printed JSON; frames need it on one line (an SSE data line ends at a newline). */
    private byte[] compact(ObjectNode value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree must serialize", e);
        }
    }
}
