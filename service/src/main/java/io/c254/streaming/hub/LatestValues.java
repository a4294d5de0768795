package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The newest value of every key of the `latest` topics: what a new subscription to one is sent first
 * (its snapshot). A key is the record's `key_field` value, or its Kafka key when the topic names no field
 * or the record lacks it; on a tenant-scoped topic each tenant's keys are apart. Per topic the values are
 * bounded in number and bytes; past either, the values used least are evicted (and counted). The ingest
 * thread alone writes, in partition order, so the value kept is the last one Kafka holds; event loops read.
 */
public final class LatestValues {

    /** Per-entry bytes besides the record's JSON: the message, its key, the map entry. */
    private static final int OVERHEAD = 256;

    private final Map<String, Topic> topics = new HashMap<>();
    /** Every `latest` topic's key field (null: the Kafka key), kept or not. */
    private final Map<String, String> keyFields;

    /** Holds nothing: snapshots are off. */
    public static final LatestValues NONE = new LatestValues(Map.of(), 0, 0);

    /**
     * @param keyFields per `latest` topic, the field that names a value's key (null: the Kafka key)
     * @param maxKeys   values kept per topic
     * @param maxBytes  bytes of values kept per topic, JSON and overhead
     */
    public LatestValues(Map<String, String> keyFields, int maxKeys, long maxBytes) {
        this.keyFields = new HashMap<>(keyFields);
        if (maxKeys > 0 && maxBytes > 0) {
            keyFields.keySet().forEach(topic -> topics.put(topic, new Topic(this, maxKeys, maxBytes)));
        }
    }

    /** Whether the topic's records are values, each replacing the one before with its key: updates may be conflated. */
    public boolean isLatest(String topic) {
        return keyFields.containsKey(topic);
    }

    /** The key a record of a `latest` topic is the value of, or null when it names none. */
    String keyOf(Message message) {
        String field = keyFields.get(message.topic());
        if (field != null) {
            JsonNode value = message.value().get(field);
            if (value != null && value.isValueNode() && !value.isNull()) {
                return value.asText();
            }
        }
        return message.key();
    }

    /** Whether the topic's newest values are kept: a new subscription to it gets them first. */
    public boolean holds(String topic) {
        return topics.containsKey(topic);
    }

    public Iterable<String> topics() {
        return topics.keySet();
    }

    /** On the ingest thread: the record is its key's newest value. A record with no key at all is not kept. */
    public void update(Message message) {
        Topic topic = topics.get(message.topic());
        if (topic != null) {
            topic.update(message);
        }
    }

    /** The values of a topic a subscriber of this tenant may see (null: a shared topic), as they stand now. */
    public List<Message> of(String topic, String tenant) {
        Topic values = topics.get(topic);
        if (values == null) {
            return List.of();
        }
        List<Message> current = new ArrayList<>();
        for (Message message : values.values.asMap().values()) {
            if (tenant == null || tenant.equals(message.tenant())) {
                current.add(message);
            }
        }
        return current;
    }

    public long keys(String topic) {
        Topic values = topics.get(topic);
        return values == null ? 0 : values.values.estimatedSize();
    }

    public long bytes(String topic) {
        Topic values = topics.get(topic);
        return values == null ? 0 : values.values.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    public long evicted(String topic) {
        Topic values = topics.get(topic);
        return values == null ? 0 : values.evicted.sum();
    }

    private static final class Topic {
        private final LatestValues keys;
        private final Cache<String, Message> values;
        private final LongAdder evicted = new LongAdder();

        Topic(LatestValues keys, int maxKeys, long maxBytes) {
            this.keys = keys;
            // every value weighs at least a maxKeys-th of the bytes, so the byte bound bounds the keys too
            int floor = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxBytes / maxKeys));
            this.values = Caffeine.newBuilder()
                    .maximumWeight(maxBytes)
                    .<String, Message>weigher((key, message) -> Math.max(floor, message.valueJson().length + key.length() + OVERHEAD))
                    // upkeep on the writing thread, never on the common pool
                    .executor(Runnable::run)
                    .<String, Message>removalListener((key, message, cause) -> {
                        if (cause == RemovalCause.SIZE) {
                            evicted.increment();
                        }
                    })
                    .build();
        }

        void update(Message message) {
            String key = keys.keyOf(message);
            if (key != null) {
                values.put(message.tenant() == null ? key : message.tenant() + '\u0000' + key, message);
            }
        }
    }
}
