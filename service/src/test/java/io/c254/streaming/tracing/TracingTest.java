package io.c254.streaming.tracing;

import io.c254.streaming.hub.DeliveryTracer;
import io.c254.streaming.hub.Message;
import io.c254.streaming.ingest.ProducerSpans;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The SDK's life: built once from the OTEL_* environment, flushed and stopped when the service closes. */
class TracingTest {

    private static final SpanContext PRODUCER = SpanContext.createFromRemoteParent(
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());

    @Test
    void closingFlushesSpansStillQueuedForExport() {
        KeptSpans exporter = new KeptSpans();
        // an export interval far longer than the test: only the flush on close can export the span
        Tracing tracing = Tracing.with(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofHours(1)).build())
                .build()).build());
        DeliveryTracer.BatchTrace batch = tracing.deliveries().onBatch();
        batch.onRecord(new Message("prices", 0, 1, 0, null, null, new byte[0], null, PRODUCER)).onMatched(0);
        batch.onHandOff(0);
        assertThat(exporter.spans()).isEmpty();

        tracing.close();

        assertThat(exporter.spans()).hasSize(1);
    }

    @Test
    void disabledTracingReadsNoHeadersAndHasNothingToClose() {
        Tracing disabled = Tracing.disabled();

        assertThat(disabled.producerSpans()).isSameAs(ProducerSpans.NONE);
        assertThat(disabled.deliveries()).isSameAs(DeliveryTracer.NONE);
        disabled.close();
    }

    @Test
    void environmentWithoutOtelVariablesExportsSpansOnlyOverOtlpHttpAsStreaming() {
        assumeTrue(System.getenv().keySet().stream().noneMatch(name -> name.startsWith("OTEL_")), "OTEL_* variables are set here");

        try (OpenTelemetrySdk sdk = Tracing.sdkFromEnvironment()) {
            String traces = sdk.getSdkTracerProvider().toString();
            assertThat(traces).contains("OtlpHttpSpanExporter").contains("service.name=\"streaming\"");
            assertThat(sdk.getSdkMeterProvider().toString()).doesNotContain("Otlp");
            assertThat(sdk.getSdkLoggerProvider().toString()).doesNotContain("Otlp");
        }
    }
}
