package io.c254.streaming.tracing;

import io.opentelemetry.api.trace.SpanContext;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class W3cTraceHeadersTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PRODUCER_SPAN_ID = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PRODUCER_SPAN_ID + "-01";

    private final W3cTraceHeaders reader = new W3cTraceHeaders();

    private static RecordHeaders headers(String... keysAndValues) {
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            headers.add(keysAndValues[i], keysAndValues[i + 1] == null ? null : keysAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Test
    void validTraceparentNamesTheProducersSpanAsARemoteParent() {
        SpanContext producer = reader.read(headers("tenant", "tenant-1", "traceparent", TRACEPARENT));

        assertThat(producer).isNotNull();
        assertThat(producer.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(producer.getSpanId()).isEqualTo(PRODUCER_SPAN_ID);
        assertThat(producer.isSampled()).isTrue();
        assertThat(producer.isRemote()).isTrue();
    }

    @Test
    void tracestateTravelsWithTheSpanContext() {
        SpanContext producer = reader.read(headers("traceparent", TRACEPARENT, "tracestate", "vendor=abc,other=42"));

        assertThat(producer.getTraceState().get("vendor")).isEqualTo("abc");
        assertThat(producer.getTraceState().get("other")).isEqualTo("42");
    }

    @Test
    void unsampledProducerStaysUnsampled() {
        SpanContext producer = reader.read(headers("traceparent", "00-" + TRACE_ID + "-" + PRODUCER_SPAN_ID + "-00"));

        assertThat(producer.isSampled()).isFalse();
    }

    @Test
    void recordWithoutHeadersHasNoProducerSpan() {
        assertThat(reader.read(new RecordHeaders())).isNull();
        assertThat(reader.read(headers("tracestate", "vendor=abc"))).isNull();
    }

    @Test
    void headerWithoutAValueHasNoProducerSpan() {
        assertThat(reader.read(headers("traceparent", null))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "garbage",
            "00-" + TRACE_ID + "-" + PRODUCER_SPAN_ID,                          // no flags
            "00-00000000000000000000000000000000-" + PRODUCER_SPAN_ID + "-01",  // all-zero trace id
            "00-" + TRACE_ID + "-0000000000000000-01",                          // all-zero span id
            "00-" + TRACE_ID + "-" + PRODUCER_SPAN_ID + "-zz",                  // flags not hex
            "ff-" + TRACE_ID + "-" + PRODUCER_SPAN_ID + "-01",                  // version ff is forbidden
            "00-4bf92f3577b34da6a3ce929d0e0e473-" + PRODUCER_SPAN_ID + "-01"})  // trace id one digit short
    void malformedTraceparentHasNoProducerSpan(String traceparent) {
        assertThat(reader.read(headers("traceparent", traceparent))).isNull();
    }

    @Test
    void lastTraceparentWinsWhenARecordCarriesSeveral() {
        String later = "00-" + TRACE_ID + "-b7ad6b7169203331-01";

        SpanContext producer = reader.read(headers("traceparent", TRACEPARENT, "traceparent", later));

        assertThat(producer.getSpanId()).isEqualTo("b7ad6b7169203331");
    }
}
