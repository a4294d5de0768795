package io.c254.streaming.ingest;

import io.opentelemetry.api.trace.SpanContext;
import org.apache.kafka.common.header.Headers;

/**
 * Reads the producer's span from a record's headers, once, when the record is decoded. The tracing
 * adapter implements it; {@link #NONE}, chosen when tracing is off, reads nothing and costs nothing.
 */
public interface ProducerSpans {

    ProducerSpans NONE = headers -> null;

    /** The producer's span the headers name, or null when they name no valid one. */
    SpanContext read(Headers headers);
}
