package io.c254.streaming.tracing;

import io.c254.streaming.config.ConfigException;
import io.c254.streaming.hub.DeliveryTracer;
import io.c254.streaming.ingest.ProducerSpans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Distributed tracing as the service uses it (ACCESS_ENABLE_TRACING), chosen once at start-up: the
 * producer's span read from each record's headers, and a delivery span per record that joins it. When
 * tracing is off, both parts are no-ops and no SDK exists.
 */
public final class Tracing implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Tracing.class);
    /** The instrumentation scope of our spans. */
    static final String SCOPE = "io.c254.streaming";
    /** How long closing waits for the exporter to send the spans still queued. */
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    /**
     * Defaults under the OTEL_* variables, which override each of them. Spans only: metrics go to
     * Prometheus through /metrics. OTLP over HTTP, because the exporter sends with the JDK's client,
     * which speaks no gRPC.
     */
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.exporter.otlp.protocol", "http/protobuf",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none");
    private static final Tracing DISABLED = new Tracing(ProducerSpans.NONE, DeliveryTracer.NONE, null);

    private final ProducerSpans producerSpans;
    private final DeliveryTracer deliveries;
    /** Null when tracing is off. */
    private final OpenTelemetrySdk sdk;

    private Tracing(ProducerSpans producerSpans, DeliveryTracer deliveries, OpenTelemetrySdk sdk) {
        this.producerSpans = producerSpans;
        this.deliveries = deliveries;
        this.sdk = sdk;
    }

    public static Tracing disabled() {
        return DISABLED;
    }

    /** Traces with this SDK, which it now owns: closing shuts the SDK down. */
    public static Tracing with(OpenTelemetrySdk sdk) {
        return new Tracing(new W3cTraceHeaders(), new DeliverySpans(sdk.getTracer(SCOPE)), sdk);
    }

    /**
     * The SDK the standard OTEL_* variables describe (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
     * OTEL_TRACES_SAMPLER, ...), read here once at start-up. It is not made global and registers no
     * shutdown hook: the service shuts it down itself, after the last delivery.
     *
     * @throws ConfigException when an OTEL_* variable has a bad value
     */
    public static OpenTelemetrySdk sdkFromEnvironment() {
        try {
            return AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> DEFAULTS)
                    .addResourceCustomizer((resource, config) -> named(resource))
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            throw new ConfigException("OTEL_*", e.getMessage());
        }
    }

    /** Unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name the service, it is `streaming`, as in the logs. */
    private static Resource named(Resource resource) {
        String name = resource.getAttribute(SERVICE_NAME);
        return name == null || name.startsWith("unknown_service")
                ? resource.merge(Resource.builder().put(SERVICE_NAME, "streaming").build())
                : resource;
    }

    /** For the Kafka ingest: reads each record's producer span once, at decode time. */
    public ProducerSpans producerSpans() {
        return producerSpans;
    }

    /** For the fan-out: the delivery spans. */
    public DeliveryTracer deliveries() {
        return deliveries;
    }

    /** Flushes the spans still queued and stops the exporter; call after the last delivery. */
    @Override
    public void close() {
        if (sdk == null) {
            return;
        }
        CompletableResultCode shutdown = sdk.shutdown().join(FLUSH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!shutdown.isSuccess()) {
            log.warn("tracing: the exporter did not finish within {} s; queued spans may be lost", FLUSH_TIMEOUT.toSeconds());
        }
    }
}
