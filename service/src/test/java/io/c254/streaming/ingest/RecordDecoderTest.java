package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.hub.Message;
import io.c254.streaming.tracing.Tracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RecordDecoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static ConsumerRecord<byte[], byte[]> record(String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        if (traceparent != null) {
            headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>("prices", 1, 42, 1_700_000_000_000L, TimestampType.CREATE_TIME, 0, 0, null,
                "{\"price\": 75.5}".getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
    }

    @Test
    void tracedDecoderKeepsTheProducersSpanWithTheMessage() {
        try (Tracing tracing = Tracing.with(OpenTelemetrySdk.builder().build())) {
            RecordDecoder decoder = new RecordDecoder(JSON, Map.of(), tracing.producerSpans());

            Message message = accepted(decoder.decode(record(TRACEPARENT)));

            assertThat(message.producerSpan().getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(message.producerSpan().getSpanId()).isEqualTo("00f067aa0ba902b7");
            assertThat(message.offset()).isEqualTo(42);
            assertThat(new String(message.valueJson(), StandardCharsets.UTF_8)).isEqualTo("{\"price\":75.5}");
        }
    }

    @Test
    void tracedDecoderGivesARecordWithoutTraceparentNoSpan() {
        try (Tracing tracing = Tracing.with(OpenTelemetrySdk.builder().build())) {
            RecordDecoder decoder = new RecordDecoder(JSON, Map.of(), tracing.producerSpans());

            assertThat(accepted(decoder.decode(record(null))).producerSpan()).isNull();
            assertThat(accepted(decoder.decode(record("00-garbage"))).producerSpan()).isNull();
        }
    }

    @Test
    void untracedDecoderDoesNotReadTheHeaders() {
        RecordDecoder decoder = new RecordDecoder(JSON, Map.of(), ProducerSpans.NONE);

        assertThat(accepted(decoder.decode(record(TRACEPARENT))).producerSpan()).isNull();
    }

    private static Message accepted(RecordDecoder.Decoded decoded) {
        assertThat(decoded).isInstanceOf(RecordDecoder.Decoded.Accepted.class);
        return ((RecordDecoder.Decoded.Accepted) decoded).message();
    }
}
