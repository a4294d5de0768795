package io.c254.streaming.tracing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.FanOut;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.Subscriber;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.hub.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real fan-out with the real delivery spans, exported to memory. */
class DeliverySpansTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOPIC = "prices";
    private static final SpanContext PRODUCER = SpanContext.createFromRemoteParent(
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final Tracing tracing = Tracing.with(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build());
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final FanOut fanOut = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracing.deliveries());

    @AfterEach
    void close() {
        tracing.close();
    }

    @Test
    void deliverySpanIsAConsumerChildOfTheProducerSpanWithMessagingAttributes() {
        index.subscribe(new TextSubscriber(TEXT), TOPIC, Filter.none());
        index.subscribe(new TextSubscriber(TEXT), TOPIC, Filter.none());

        fanOut.dispatch(List.of(message(7, PRODUCER)));

        SpanData span = onlySpan();
        assertThat(span.getName()).isEqualTo("deliver prices");
        assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(span.getTraceId()).isEqualTo(PRODUCER.getTraceId());
        assertThat(span.getParentSpanId()).isEqualTo(PRODUCER.getSpanId());
        assertThat(span.getParentSpanContext().isRemote()).isTrue();
        assertThat(span.getAttributes().get(DeliverySpans.MESSAGING_SYSTEM)).isEqualTo("kafka");
        assertThat(span.getAttributes().get(DeliverySpans.DESTINATION)).isEqualTo(TOPIC);
        assertThat(span.getAttributes().get(DeliverySpans.PARTITION)).isEqualTo("2");
        assertThat(span.getAttributes().get(DeliverySpans.OFFSET)).isEqualTo(7L);
        assertThat(span.getAttributes().get(DeliverySpans.OPERATION_TYPE)).isEqualTo("process");
        assertThat(span.getAttributes().get(DeliverySpans.OPERATION_NAME)).isEqualTo("deliver");
        assertThat(span.getAttributes().get(DeliverySpans.CONNECTIONS)).isEqualTo(2L);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void spanEndsOnlyAfterEveryEventLoopHasWrittenItsShareOfTheBatch() throws InterruptedException {
        DefaultEventExecutor fast = new DefaultEventExecutor();
        DefaultEventExecutor slow = new DefaultEventExecutor();
        CountDownLatch slowLoopBusy = new CountDownLatch(1);
        try {
            TextSubscriber onFast = new TextSubscriber(TEXT, fast);
            TextSubscriber onSlow = new TextSubscriber(TEXT, slow);
            index.subscribe(onFast, TOPIC, Filter.none());
            index.subscribe(onSlow, TOPIC, Filter.none());
            slow.execute(() -> awaitQuietly(slowLoopBusy));

            fanOut.dispatch(List.of(message(1, PRODUCER), message(2, PRODUCER)));

            await().atMost(Duration.ofSeconds(5)).until(() -> onFast.frames.size() == 2);
            assertThat(exporter.getFinishedSpanItems()).as("one loop has not written yet").isEmpty();
            slowLoopBusy.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> exporter.getFinishedSpanItems().size() == 2);
            assertThat(onSlow.finishedSpansWhenDelivered).containsExactly(0);
        } finally {
            slowLoopBusy.countDown();
            fast.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            slow.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void recordWithoutAProducerSpanIsDeliveredWithoutASpan() {
        TextSubscriber subscriber = new TextSubscriber(TEXT);
        index.subscribe(subscriber, TOPIC, Filter.none());

        fanOut.dispatch(List.of(message(1, null), message(2, PRODUCER)));

        assertThat(subscriber.frames).containsExactly("prices|1", "prices|2");
        assertThat(onlySpan().getAttributes().get(DeliverySpans.OFFSET)).isEqualTo(2L);
    }

    @Test
    void recordNobodyWantsEndsItsSpanAtOnceHavingReachedNoConnection() {
        fanOut.dispatch(List.of(message(1, PRODUCER)));

        assertThat(onlySpan().getAttributes().get(DeliverySpans.CONNECTIONS)).isZero();
    }

    @Test
    void warningOfAFailedRecordCarriesItsTraceIdAndTheSpanRecordsTheFailure() {
        index.subscribe(new TextSubscriber(BROKEN), TOPIC, Filter.none());
        ListAppender<ILoggingEvent> warnings = captureFanOutLog();
        try {
            fanOut.dispatch(List.of(message(3, PRODUCER), message(4, null)));
        } finally {
            releaseFanOutLog(warnings);
        }

        SpanData span = onlySpan();
        assertThat(warnings.list).hasSize(2);
        Map<String, String> tracedRecordContext = warnings.list.get(0).getMDCPropertyMap();
        assertThat(warnings.list.get(0).getFormattedMessage()).contains("offset=3");
        assertThat(tracedRecordContext).containsEntry("trace_id", PRODUCER.getTraceId()).containsEntry("span_id", span.getSpanId());
        assertThat(warnings.list.get(1).getFormattedMessage()).contains("offset=4");
        assertThat(warnings.list.get(1).getMDCPropertyMap()).doesNotContainKeys("trace_id", "span_id");
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getEvents()).anySatisfy(event -> assertThat(event.getName()).isEqualTo("exception"));
        assertThat(span.getAttributes().get(DeliverySpans.CONNECTIONS)).isZero();
    }

    @Test
    void logContextOfARecordEndsWithIt() {
        index.subscribe(new TextSubscriber(TEXT), TOPIC, Filter.none());

        fanOut.dispatch(List.of(message(1, PRODUCER)));

        assertThat(MDC.get("trace_id")).isNull();
        assertThat(MDC.get("span_id")).isNull();
    }

    @Test
    void disabledTracingIsOneSharedNoOpThatRecordsNothing() {
        Tracing disabled = Tracing.disabled();
        FanOut untraced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, disabled.deliveries());
        TextSubscriber subscriber = new TextSubscriber(TEXT);
        index.subscribe(subscriber, TOPIC, Filter.none());

        untraced.dispatch(List.of(message(1, PRODUCER)));

        assertThat(subscriber.frames).containsExactly("prices|1");
        assertThat(disabled.deliveries().onBatch()).isSameAs(disabled.deliveries().onBatch());
        assertThat(disabled.deliveries().onBatch().onRecord(message(2, PRODUCER))).isSameAs(disabled.deliveries().onBatch().onRecord(message(3, PRODUCER)));
        assertThat(disabled.producerSpans().read(new org.apache.kafka.common.header.internals.RecordHeaders()
                .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8)))).isNull();
        assertThat(MDC.get("trace_id")).isNull();
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    private SpanData onlySpan() {
        assertThat(exporter.getFinishedSpanItems()).hasSize(1);
        return exporter.getFinishedSpanItems().getFirst();
    }

    private static Message message(long offset, SpanContext producer) {
        ObjectNode value = MAPPER.createObjectNode().put("price", 75.5);
        return new Message(TOPIC, 2, offset, 1_700_000_000_000L, null, value, value.toString().getBytes(StandardCharsets.UTF_8), null, producer);
    }

    private static ListAppender<ILoggingEvent> captureFanOutLog() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent event) {
                event.prepareForDeferredProcessing(); // the MDC as it is while the line is written
                super.append(event);
            }
        };
        appender.start();
        Logger logger = (Logger) LoggerFactory.getLogger(FanOut.class);
        logger.addAppender(appender);
        logger.setAdditive(false);
        return appender;
    }

    private static void releaseFanOutLog(ListAppender<ILoggingEvent> appender) {
        Logger logger = (Logger) LoggerFactory.getLogger(FanOut.class);
        logger.detachAppender(appender);
        logger.setAdditive(true);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** `topic|offset` frames. */
    private static final WireFormat TEXT = (message, allocator) -> {
        ByteBuf frame = allocator.buffer();
        frame.writeCharSequence(message.topic() + "|" + message.offset(), StandardCharsets.UTF_8);
        return frame;
    };

    private static final WireFormat BROKEN = (Message message, ByteBufAllocator allocator) -> {
        throw new IllegalStateException("encoder broke");
    };

    /** Keeps each frame as text, and how many spans had ended when its batch arrived. */
    private final class TextSubscriber implements Subscriber {
        private final WireFormat format;
        private final EventExecutor executor;
        final List<String> frames = new CopyOnWriteArrayList<>();
        final List<Integer> finishedSpansWhenDelivered = new CopyOnWriteArrayList<>();
        private int unflushed;

        TextSubscriber(WireFormat format) {
            this(format, ImmediateEventExecutor.INSTANCE);
        }

        TextSubscriber(WireFormat format, EventExecutor executor) {
            this.format = format;
            this.executor = executor;
        }

        @Override
        public WireFormat wireFormat() {
            return format;
        }

        @Override
        public EventExecutor executor() {
            return executor;
        }

        @Override
        public Written write(ByteBuf frame) {
            frames.add(frame.toString(StandardCharsets.UTF_8));
            return unflushed++ == 0 ? Written.FIRST : Written.MORE;
        }

        @Override
        public void flush() {
            unflushed = 0;
            finishedSpansWhenDelivered.add(exporter.getFinishedSpanItems().size());
        }
    }
}
