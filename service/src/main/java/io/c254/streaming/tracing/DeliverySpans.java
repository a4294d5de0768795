package io.c254.streaming.tracing;

import io.c254.streaming.hub.DeliveryTracer;
import io.c254.streaming.hub.Message;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One CONSUMER span per delivered record that names its producer's span, as a child of it, so that the
 * delivery joins the producer's trace. A record without one gets no span: a new root per record would
 * export a trace for every record of every topic, none of them linked to anything.
 * <p>
 * A span starts when its record enters the fan-out and ends when every event loop of its batch has
 * matched, written and flushed its share. That costs one atomic decrement per event loop per batch (loops
 * are few), and the span then covers what a client waits for: the queue of the event loops, matching,
 * encoding and the write. Ending per connection instead would take a countdown per frame across threads.
 */
final class DeliverySpans implements DeliveryTracer {

    // Messaging semantic conventions (1.27 and later). They are still in development, so the names are
    // spelled out here rather than taken from the alpha "incubating" artifact.
    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    /** Ours: how many connections were handed the record. */
    static final AttributeKey<Long> CONNECTIONS = AttributeKey.longKey("streaming.delivery.connections");

    static final String OPERATION = "deliver";
    /** Log lines written while a record is fanned out carry these (top-level fields of the JSON log). */
    static final String TRACE_ID_KEY = "trace_id";
    static final String SPAN_ID_KEY = "span_id";

    private final Tracer tracer;

    DeliverySpans(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public BatchTrace onBatch() {
        return new BatchSpans();
    }

    private final class BatchSpans implements BatchTrace {
        /** Filled on the ingest thread before the hand-off; read by the last event loop after it. */
        private final List<RecordSpan> spans = new ArrayList<>();
        private final AtomicInteger loopsWriting = new AtomicInteger();

        @Override
        public RecordTrace onRecord(Message message) {
            if (message.producerSpan() == null) {
                return RecordTrace.NONE;
            }
            Span span = tracer.spanBuilder(OPERATION + " " + message.topic())
                    .setSpanKind(SpanKind.CONSUMER)
                    .setParent(Context.root().with(Span.wrap(message.producerSpan())))
                    .setAttribute(MESSAGING_SYSTEM, "kafka")
                    .setAttribute(DESTINATION, message.topic())
                    .setAttribute(PARTITION, Integer.toString(message.partition()))
                    .setAttribute(OFFSET, message.offset())
                    .setAttribute(OPERATION_TYPE, "process")
                    .setAttribute(OPERATION_NAME, OPERATION)
                    .startSpan();
            RecordSpan recordSpan = new RecordSpan(span);
            spans.add(recordSpan);
            return recordSpan;
        }

        @Override
        public void onHandOff(int eventLoops) {
            if (eventLoops == 0) {
                end();
            } else {
                loopsWriting.set(eventLoops);
            }
        }

        @Override
        public void onWritten() {
            if (loopsWriting.decrementAndGet() == 0) {
                end();
            }
        }

        private void end() {
            spans.forEach(RecordSpan::end);
        }
    }

    /** A record's span while the event loops match it; they add up the connections it reached. */
    private static final class RecordSpan implements RecordTrace {
        private final Span span;
        private final AtomicInteger connections = new AtomicInteger();

        RecordSpan(Span span) {
            this.span = span;
        }

        @Override
        public void onFailed(RuntimeException failure) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, "the record failed to fan out");
        }

        @Override
        public void onMatched(int matched) {
            connections.addAndGet(matched);
        }

        @Override
        public void inLogContext(Runnable action) {
            MDC.put(TRACE_ID_KEY, span.getSpanContext().getTraceId());
            MDC.put(SPAN_ID_KEY, span.getSpanContext().getSpanId());
            try {
                action.run();
            } finally {
                MDC.remove(TRACE_ID_KEY);
                MDC.remove(SPAN_ID_KEY);
            }
        }

        void end() {
            span.setAttribute(CONNECTIONS, connections.get());
            span.end();
        }
    }
}
