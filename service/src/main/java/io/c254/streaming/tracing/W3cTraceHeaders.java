package io.c254.streaming.tracing;

import io.c254.streaming.ingest.ProducerSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The producer's span from the W3C Trace Context headers of a Kafka record (`traceparent`, and
 * `tracestate`, which the span context keeps), as OpenTelemetry's Kafka instrumentation writes them.
 * A missing or malformed `traceparent` yields no span: the record is delivered untraced.
 */
final class W3cTraceHeaders implements ProducerSpans {

    private static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(header -> keys.add(header.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            // Kafka allows several headers of one key: the last one written wins, as in Kafka's own lookups
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    @Override
    public SpanContext read(Headers headers) {
        Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, KAFKA_HEADERS);
        SpanContext producer = Span.fromContext(extracted).getSpanContext();
        return producer.isValid() ? producer : null;
    }
}
