package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.SpanContext;

/**
 * One Kafka record, decoded once. Topic, partition and offset travel to the edge: they are the
 * client's resume cursor.
 *
 * @param value        the record's JSON object, for matching filters
 * @param valueJson    the same object serialized compactly (no line breaks), for building frames
 * @param key          the record key as text, or null
 * @param tenant       the tenant a record of a tenant-scoped topic belongs to; null on other topics
 * @param producerSpan the producer's span from the record's W3C `traceparent` (and `tracestate`) header, read
 *                     once at decode time; null when tracing is off or the record carries no valid one
 */
public record Message(String topic, int partition, long offset, long timestamp, String key, ObjectNode value, byte[] valueJson,
                      String tenant, SpanContext producerSpan) {

    /** A record of a topic that is not tenant-scoped, without a producer trace. */
    public Message(String topic, int partition, long offset, long timestamp, String key, ObjectNode value, byte[] valueJson) {
        this(topic, partition, offset, timestamp, key, value, valueJson, null, null);
    }

    /** A record without a producer trace. */
    public Message(String topic, int partition, long offset, long timestamp, String key, ObjectNode value, byte[] valueJson,
                   String tenant) {
        this(topic, partition, offset, timestamp, key, value, valueJson, tenant, null);
    }
}
