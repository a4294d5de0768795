package io.c254.streaming.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Message;
import io.c254.streaming.registry.TenantSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;

/**
 * Turns a Kafka record into a {@link Message}, once. A value that is not a JSON object is rejected; so
 * is a record of a tenant-scoped topic that does not name its tenant (it could reach no one safely).
 * The producer's trace context is read from the headers here too, so that nothing downstream parses them again.
 */
final class RecordDecoder {

    enum Rejection {
        NOT_A_JSON_OBJECT, NO_TENANT
    }

    /** A record as a message, or why it is skipped. */
    sealed interface Decoded {
        record Accepted(Message message) implements Decoded {
        }

        record Rejected(Rejection rejection) implements Decoded {
        }
    }

    private final ObjectMapper json;
    private final Map<String, TenantSource> tenantSources;
    private final ProducerSpans producerSpans;

    /**
     * @param tenantSources topic → where its records name their tenant, for tenant-scoped topics only
     * @param producerSpans reads the producer's span from the headers; {@link ProducerSpans#NONE} when tracing is off
     */
    RecordDecoder(ObjectMapper json, Map<String, TenantSource> tenantSources, ProducerSpans producerSpans) {
        this.json = json;
        this.tenantSources = Map.copyOf(tenantSources);
        this.producerSpans = producerSpans;
    }

    /** The decoder of the registry's topics: a tenant-scoped topic's records must name their tenant. */
    static RecordDecoder forRegistry(ObjectMapper json, TopicRegistry registry, ProducerSpans producerSpans) {
        Map<String, TenantSource> tenantSources = new HashMap<>();
        registry.topics().stream().filter(TopicDefinition::tenantScoped).forEach(t -> tenantSources.put(t.name(), t.tenantSource()));
        return new RecordDecoder(json, tenantSources, producerSpans);
    }

    Decoded decode(ConsumerRecord<byte[], byte[]> record) {
        ObjectNode value = parse(record.value());
        if (value == null) {
            return new Decoded.Rejected(Rejection.NOT_A_JSON_OBJECT);
        }
        TenantSource source = tenantSources.get(record.topic());
        String tenant = source == null ? null : tenant(record, value, source);
        if (source != null && tenant == null) {
            return new Decoded.Rejected(Rejection.NO_TENANT);
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return new Decoded.Accepted(new Message(record.topic(), record.partition(), record.offset(), record.timestamp(), key, value,
                compact(value), tenant, producerSpans.read(record.headers())));
    }

    private ObjectNode parse(byte[] raw) {
        if (raw == null || raw.length == 0) {
            return null;
        }
        try {
            JsonNode value = json.readTree(raw);
            return value instanceof ObjectNode object ? object : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String tenant(ConsumerRecord<byte[], byte[]> record, ObjectNode value, TenantSource source) {
        String tenant = switch (source.kind()) {
            case HEADER -> {
                Header header = record.headers().lastHeader(source.name());
                yield header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
            }
            case FIELD -> {
                JsonNode field = value.get(source.name());
                yield field != null && field.isTextual() ? field.textValue() : null;
            }
        };
        return tenant == null || tenant.isBlank() ? null : tenant;
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
