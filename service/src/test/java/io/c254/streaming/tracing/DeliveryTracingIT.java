package io.c254.streaming.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing end to end: a producer's record with a W3C `traceparent` header goes through the real broker
 * and the real service to a real WebSocket client, and its delivery span joins the producer's trace.
 */
class DeliveryTracingIT {

    private static final String TRACED_TOPIC = TestKafka.uniqueTopic("traced");
    private static final String UNTRACED_TOPIC = TestKafka.uniqueTopic("untraced");
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PRODUCER_SPAN_ID = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PRODUCER_SPAN_ID + "-01";

    private static final KeptSpans tracedSpans = new KeptSpans();
    private static final KeptSpans untracedSpans = new KeptSpans();
    private static final AtomicBoolean untracedAskedForAnSdk = new AtomicBoolean();
    private static TestServer traced;
    private static TestServer untraced;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void start() {
        traced = TestServer.builder().env("ACCESS_ENABLE_TRACING", "true").tracingSdk(tracedSpans::sdk)
                .topic(TRACED_TOPIC, "required_roles: [viewer]").start();
        untraced = TestServer.builder().tracingSdk(() -> {
                    untracedAskedForAnSdk.set(true);
                    return untracedSpans.sdk();
                })
                .topic(UNTRACED_TOPIC, "required_roles: [viewer]").start();
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        producer.close();
        traced.close();
        untraced.close();
    }

    @Test
    void recordWithTraceparentIsDeliveredInAConsumerSpanOfTheProducersTrace() {
        try (WsClient client = subscribed(traced, TRACED_TOPIC)) {
            String marker = UUID.randomUUID().toString();
            publish(TRACED_TOPIC, marker, TRACEPARENT, "vendor=abc");

            JsonNode data = client.nextData("marker", marker);

            SpanData span = awaitSpan(tracedSpans, TRACED_TOPIC, data.path("offset").asLong());
            assertThat(span.getName()).isEqualTo("deliver " + TRACED_TOPIC);
            assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(span.getTraceId()).isEqualTo(TRACE_ID);
            assertThat(span.getParentSpanId()).isEqualTo(PRODUCER_SPAN_ID);
            assertThat(span.getSpanContext().getTraceState().get("vendor")).isEqualTo("abc");
            assertThat(span.getAttributes().get(DeliverySpans.MESSAGING_SYSTEM)).isEqualTo("kafka");
            assertThat(span.getAttributes().get(DeliverySpans.DESTINATION)).isEqualTo(TRACED_TOPIC);
            assertThat(span.getAttributes().get(DeliverySpans.PARTITION)).isEqualTo(data.path("partition").asText());
            assertThat(span.getAttributes().get(DeliverySpans.CONNECTIONS)).isEqualTo(1L);
            assertThat(span.getInstrumentationScopeInfo().getName()).isEqualTo(Tracing.SCOPE);
        }
    }

    @Test
    void recordWithoutTraceparentIsDeliveredWithoutASpan() {
        try (WsClient client = subscribed(traced, TRACED_TOPIC)) {
            String untracedMarker = UUID.randomUUID().toString();
            String tracedMarker = UUID.randomUUID().toString();
            publish(TRACED_TOPIC, untracedMarker, null, null);
            publish(TRACED_TOPIC, tracedMarker, TRACEPARENT, null);

            long untracedOffset = client.nextData("marker", untracedMarker).path("offset").asLong();
            awaitSpan(tracedSpans, TRACED_TOPIC, client.nextData("marker", tracedMarker).path("offset").asLong());

            assertThat(spansOf(tracedSpans, TRACED_TOPIC, untracedOffset)).isEmpty();
        }
    }

    @Test
    void tracingOffDeliversTheSameMessageAndBuildsNoSdk() {
        String marker = UUID.randomUUID().toString();
        JsonNode withTracing;
        JsonNode withoutTracing;
        try (WsClient tracedClient = subscribed(traced, TRACED_TOPIC); WsClient untracedClient = subscribed(untraced, UNTRACED_TOPIC)) {
            publish(TRACED_TOPIC, marker, TRACEPARENT, null);
            publish(UNTRACED_TOPIC, marker, TRACEPARENT, null);
            withTracing = tracedClient.nextData("marker", marker);
            withoutTracing = untracedClient.nextData("marker", marker);
        }

        assertThat(fieldNames(withoutTracing)).isEqualTo(fieldNames(withTracing));
        assertThat(withoutTracing.path("data")).isEqualTo(withTracing.path("data"));
        assertThat(withoutTracing.path("topic").asText()).isEqualTo(UNTRACED_TOPIC);
        assertThat(untracedAskedForAnSdk).isFalse();
        assertThat(untracedSpans.spans()).isEmpty();
    }

    @Test
    void closingTheServiceFlushesSpansStillQueued() throws InterruptedException {
        String topic = TestKafka.uniqueTopic("flushed");
        KeptSpans exported = new KeptSpans();
        // exports only when closed: the batch processor's interval is far longer than the test
        TestServer server = TestServer.builder().env("ACCESS_ENABLE_TRACING", "true").topic(topic, "required_roles: [viewer]")
                .tracingSdk(() -> OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(BatchSpanProcessor.builder(exported).setScheduleDelay(Duration.ofHours(1)).build())
                        .build()).build())
                .start();
        long offset;
        try (WsClient client = subscribed(server, topic)) {
            String marker = UUID.randomUUID().toString();
            publish(topic, marker, TRACEPARENT, null);
            offset = client.nextData("marker", marker).path("offset").asLong();
            assertThat(exported.spans()).isEmpty();
        } finally {
            server.close();
        }

        assertThat(spansOf(exported, topic, offset)).singleElement()
                .satisfies(span -> assertThat(span.getParentSpanId()).isEqualTo(PRODUCER_SPAN_ID));
    }

    private static WsClient subscribed(TestServer server, String topic) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
        client.nextOfType("subscribed");
        return client;
    }

    private static void publish(String topic, String marker, String traceparent, String tracestate) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, "BRENT_CRUDE",
                "{\"instrument_id\":\"BRENT_CRUDE\",\"price\":75.50,\"marker\":\"" + marker + "\"}");
        if (traceparent != null) {
            record.headers().add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        if (tracestate != null) {
            record.headers().add("tracestate", tracestate.getBytes(StandardCharsets.UTF_8));
        }
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("publishing to " + topic + " failed", e);
        }
    }

    /** The span ends once the event loop has written the frame, which may be just after the client read it. */
    private static SpanData awaitSpan(KeptSpans exported, String topic, long offset) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !spansOf(exported, topic, offset).isEmpty());
        List<SpanData> spans = spansOf(exported, topic, offset);
        assertThat(spans).hasSize(1);
        return spans.getFirst();
    }

    private static List<SpanData> spansOf(KeptSpans exported, String topic, long offset) {
        return exported.spans().stream()
                .filter(span -> topic.equals(span.getAttributes().get(DeliverySpans.DESTINATION)))
                .filter(span -> Long.valueOf(offset).equals(span.getAttributes().get(DeliverySpans.OFFSET)))
                .toList();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
