package io.c254.streaming.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.DefaultEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;

import static io.c254.streaming.hub.FilterTest.filter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FanOutTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PRICES = "prices";
    private static final String CURVES = "curves";

    private final CountingFormat ws = new CountingFormat("ws");
    private final CountingFormat sse = new CountingFormat("sse");
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final FanOut fanOut = new FanOut(index, UnpooledByteBufAllocator.DEFAULT);

    @AfterEach
    void everyEncodedFrameIsReleased() {
        assertThat(ws.encoded).allSatisfy(frame -> assertThat(frame.refCnt()).isZero());
        assertThat(sse.encoded).allSatisfy(frame -> assertThat(frame.refCnt()).isZero());
    }

    @Test
    void unfilteredSubscriberGetsEveryMessageOfItsTopicOnly() {
        RecordingSubscriber prices = new RecordingSubscriber(ws);
        index.subscribe(prices, PRICES, Filter.none());

        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}"), message(CURVES, 2, "{\"c\":\"oil\"}"),
                message(PRICES, 3, "{\"c\":\"gas\"}")));

        assertThat(prices.frames()).containsExactly("ws|prices|1|{\"c\":\"oil\"}", "ws|prices|3|{\"c\":\"gas\"}");
    }

    @Test
    void filteredSubscriberGetsOnlyMatchingMessages() {
        RecordingSubscriber oilOrGas = new RecordingSubscriber(ws);
        index.subscribe(oilOrGas, PRICES, filter("{\"c\":[\"oil\",\"gas\"]}"));

        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}"), message(PRICES, 2, "{\"c\":\"coal\"}"),
                message(PRICES, 3, "{\"c\":\"gas\"}"), message(PRICES, 4, "{\"other\":\"oil\"}")));

        assertThat(oilOrGas.offsets()).containsExactly(1L, 3L);
    }

    @Test
    void multiFieldFilterWithOneFieldFailingDeliversNothing() {
        RecordingSubscriber subscriber = new RecordingSubscriber(ws);
        index.subscribe(subscriber, PRICES, filter("{\"c\":\"oil\",\"region\":[\"gulf\",\"north_sea\"]}"));

        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\",\"region\":\"asia\"}"),
                message(PRICES, 2, "{\"c\":\"gas\",\"region\":\"gulf\"}"),
                message(PRICES, 3, "{\"c\":\"oil\"}")));

        assertThat(subscriber.deliveries).isEmpty();
        assertThat(ws.calls).isZero();
    }

    @Test
    void subscribersFilteringOnDifferentFieldsEachGetAMatchOnce() {
        RecordingSubscriber byCommodity = new RecordingSubscriber(ws);
        RecordingSubscriber byRegion = new RecordingSubscriber(ws);
        RecordingSubscriber byBoth = new RecordingSubscriber(ws);
        index.subscribe(byCommodity, PRICES, filter("{\"c\":\"oil\"}"));
        index.subscribe(byRegion, PRICES, filter("{\"region\":\"gulf\"}"));
        index.subscribe(byBoth, PRICES, filter("{\"c\":[\"oil\",\"gas\"],\"region\":\"gulf\"}"));

        fanOut.dispatch(List.of(message(PRICES, 7, "{\"c\":\"oil\",\"region\":\"gulf\"}")));

        assertThat(byCommodity.offsets()).containsExactly(7L);
        assertThat(byRegion.offsets()).containsExactly(7L);
        assertThat(byBoth.offsets()).containsExactly(7L);
    }

    @Test
    void resubscribingWithNewFilterReplacesTheOldOneWithoutDuplicates() {
        RecordingSubscriber subscriber = new RecordingSubscriber(ws);
        Subscription oil = index.subscribe(subscriber, PRICES, filter("{\"c\":\"oil\"}"));
        index.subscribe(subscriber, PRICES, filter("{\"c\":[\"oil\",\"gas\"]}"));
        index.unsubscribe(oil);

        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}"), message(PRICES, 2, "{\"c\":\"gas\"}")));

        assertThat(subscriber.offsets()).containsExactly(1L, 2L);
        assertThat(index.countsByTopic()).containsExactly(Map.entry(PRICES, 1));
    }

    @Test
    void unsubscribedSubscriberGetsNothingMore() {
        RecordingSubscriber unfiltered = new RecordingSubscriber(ws);
        RecordingSubscriber filtered = new RecordingSubscriber(ws);
        Subscription first = index.subscribe(unfiltered, PRICES, Filter.none());
        Subscription second = index.subscribe(filtered, PRICES, filter("{\"c\":\"oil\"}"));
        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}")));

        index.unsubscribe(first);
        index.unsubscribe(second);
        fanOut.dispatch(List.of(message(PRICES, 2, "{\"c\":\"oil\"}")));

        assertThat(unfiltered.offsets()).containsExactly(1L);
        assertThat(filtered.offsets()).containsExactly(1L);
    }

    @Test
    void messageIsEncodedOncePerWireFormatHoweverManySubscribersMatch() {
        List<RecordingSubscriber> wsSubscribers = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            wsSubscribers.add(new RecordingSubscriber(ws));
            index.subscribe(wsSubscribers.getLast(), PRICES, i % 2 == 0 ? Filter.none() : filter("{\"c\":\"oil\"}"));
        }
        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}")));
        assertThat(ws.calls).isEqualTo(1);

        List<RecordingSubscriber> sseSubscribers = List.of(new RecordingSubscriber(sse), new RecordingSubscriber(sse), new RecordingSubscriber(sse));
        index.subscribe(sseSubscribers.get(0), PRICES, Filter.none());
        index.subscribe(sseSubscribers.get(1), PRICES, filter("{\"c\":\"oil\"}"));
        index.subscribe(sseSubscribers.get(2), PRICES, Filter.none());
        fanOut.dispatch(List.of(message(PRICES, 2, "{\"c\":\"oil\"}")));

        assertThat(ws.calls).isEqualTo(2);
        assertThat(sse.calls).isEqualTo(1);
        assertThat(wsSubscribers).allSatisfy(subscriber -> assertThat(subscriber.offsets()).containsExactly(1L, 2L));
        assertThat(sseSubscribers).allSatisfy(subscriber -> assertThat(subscriber.frames()).containsExactly("sse|prices|2|{\"c\":\"oil\"}"));
    }

    @Test
    void aThirdWireFormatIsEncodedOnceToo() {
        CountingFormat third = new CountingFormat("third");
        // two of each: whichever format a loop meets third, a second subscriber asks for its frame again
        List<RecordingSubscriber> subscribers = List.of(new RecordingSubscriber(ws), new RecordingSubscriber(sse),
                new RecordingSubscriber(third), new RecordingSubscriber(ws), new RecordingSubscriber(sse), new RecordingSubscriber(third));
        subscribers.forEach(subscriber -> index.subscribe(subscriber, PRICES, Filter.none()));

        fanOut.dispatch(List.of(message(PRICES, 1, "{}")));

        assertThat(List.of(ws.calls, sse.calls, third.calls)).containsExactly(1, 1, 1);
        assertThat(subscribers).allSatisfy(subscriber -> assertThat(subscriber.offsets()).containsExactly(1L));
        assertThat(third.encoded).allSatisfy(frame -> assertThat(frame.refCnt()).isZero());
    }

    @Test
    void aSubscriberWithNothingNewInATurnIsNotFlushedAgain() {
        RecordingSubscriber prices = new RecordingSubscriber(ws);
        RecordingSubscriber curves = new RecordingSubscriber(ws);
        index.subscribe(prices, PRICES, Filter.none());
        index.subscribe(curves, CURVES, Filter.none());

        fanOut.dispatch(List.of(message(PRICES, 1, "{}")));
        fanOut.dispatch(List.of(message(CURVES, 2, "{}")));

        assertThat(prices.deliveries).containsExactly(List.of("ws|prices|1|{}"));
        assertThat(curves.deliveries).containsExactly(List.of("ws|curves|2|{}"));
    }

    @Test
    void afterTheLastUnsubscribeOfALoopBatchesAreNoLongerHandedToIt() {
        TracedEvents tracer = new TracedEvents();
        FanOut traced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracer);
        Subscription only = index.subscribe(new RecordingSubscriber(ws), PRICES, Filter.none());
        index.unsubscribe(only);

        traced.dispatch(List.of(message(PRICES, 1, "{}")));

        assertThat(tracer.events).containsExactly("batch", "record 1", "hand-off 0");
    }

    @Test
    void eachBatchIsWrittenOncePerLoopTurnAfterTurn() {
        TracedEvents tracer = new TracedEvents();
        FanOut traced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracer);
        index.subscribe(new RecordingSubscriber(ws), PRICES, Filter.none());

        traced.dispatch(List.of(message(PRICES, 1, "{}")));
        traced.dispatch(List.of(message(PRICES, 2, "{}")));

        assertThat(tracer.events).containsExactly("batch", "record 1", "hand-off 1", "matched 1", "written",
                "batch", "record 2", "hand-off 1", "matched 1", "written");
    }

    @Test
    void messageNobodyWantsIsNeverEncoded() {
        index.subscribe(new RecordingSubscriber(ws), PRICES, filter("{\"c\":\"oil\"}"));

        fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"gas\"}"), message(CURVES, 2, "{\"c\":\"oil\"}")));

        assertThat(ws.calls).isZero();
    }

    @Test
    void eachSubscriberGetsItsFramesOfOneBatchInOneDeliveryInOrder() {
        RecordingSubscriber prices = new RecordingSubscriber(ws);
        RecordingSubscriber curves = new RecordingSubscriber(sse);
        index.subscribe(prices, PRICES, Filter.none());
        index.subscribe(curves, CURVES, Filter.none());

        fanOut.dispatch(List.of(message(PRICES, 10, "{}"), message(CURVES, 11, "{}"), message(PRICES, 12, "{}"),
                message(CURVES, 13, "{}"), message(PRICES, 14, "{}")));

        assertThat(prices.deliveries).hasSize(1);
        assertThat(prices.offsets()).containsExactly(10L, 12L, 14L);
        assertThat(curves.deliveries).hasSize(1);
        assertThat(curves.offsets()).containsExactly(11L, 13L);
    }

    @Test
    void deliveryRunsOnTheSubscribersOwnEventLoop() throws InterruptedException {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try {
            RecordingSubscriber subscriber = new RecordingSubscriber(ws, loop);
            index.subscribe(subscriber, PRICES, Filter.none());

            fanOut.dispatch(List.of(message(PRICES, 1, "{}"), message(PRICES, 2, "{}")));

            await().atMost(Duration.ofSeconds(5)).until(() -> subscriber.deliveries.size() == 1);
            assertThat(subscriber.offsets()).containsExactly(1L, 2L);
            assertThat(subscriber.onOwnLoop).containsExactly(true, true);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBatchForAnEventLoopThatHasShutDownIsDroppedUnencoded() throws InterruptedException {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        RecordingSubscriber subscriber = new RecordingSubscriber(ws, loop);
        index.subscribe(subscriber, PRICES, Filter.none());

        fanOut.dispatch(List.of(message(PRICES, 1, "{}")));

        assertThat(subscriber.deliveries).isEmpty();
        assertThat(ws.calls).isZero();
    }

    @Test
    void recordWithANumberTooLargeForADoubleDoesNotStopTheBatch() {
        RecordingSubscriber everything = new RecordingSubscriber(ws);
        RecordingSubscriber cheapOnly = new RecordingSubscriber(sse);
        index.subscribe(everything, PRICES, Filter.none());
        index.subscribe(cheapOnly, PRICES, filter("{\"price\":1}"));

        fanOut.dispatch(List.of(message(PRICES, 1, "{\"price\":1}"), message(PRICES, 2, "{\"price\":1e400}"),
                message(PRICES, 3, "{\"price\":1}")));

        assertThat(everything.offsets()).containsExactly(1L, 2L, 3L);
        assertThat(cheapOnly.offsets()).containsExactly(1L, 3L);
    }

    @Test
    void countsByTopicFollowSubscribeAndUnsubscribe() {
        RecordingSubscriber a = new RecordingSubscriber(ws);
        RecordingSubscriber b = new RecordingSubscriber(sse);
        Subscription aPrices = index.subscribe(a, PRICES, Filter.none());
        Subscription bPrices = index.subscribe(b, PRICES, filter("{\"c\":\"oil\"}"));
        Subscription aCurves = index.subscribe(a, CURVES, filter("{\"c\":[\"oil\",\"gas\"]}"));
        assertThat(index.countsByTopic()).containsExactly(Map.entry(CURVES, 1), Map.entry(PRICES, 2));

        index.unsubscribe(bPrices);
        index.unsubscribe(bPrices);
        index.unsubscribe(aCurves);
        assertThat(index.countsByTopic()).containsExactly(Map.entry(PRICES, 1));

        index.unsubscribe(aPrices);
        assertThat(index.countsByTopic()).isEmpty();
    }

    @Test
    void aBatchHandedToALoopBeforeAnUnsubscribeGetsNothingOfThatTopicToTheSubscriber() throws InterruptedException {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try {
            RecordingSubscriber subscriber = new RecordingSubscriber(ws, loop);
            Subscription ending = index.subscribe(subscriber, PRICES, Filter.none());
            index.subscribe(subscriber, CURVES, Filter.none());
            CountDownLatch busy = new CountDownLatch(1);
            loop.execute(() -> awaitQuietly(busy));

            fanOut.dispatch(List.of(message(PRICES, 1, "{}"), message(CURVES, 2, "{}")));
            index.unsubscribe(ending);
            busy.countDown();

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> subscriber.deliveries.size() == 1);
            assertThat(subscriber.frames()).containsExactly("ws|curves|2|{}");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void batchesThatQueueWhileALoopIsBusyAreWrittenInOrderWithOneFlushPerSubscriber() throws InterruptedException {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try {
            RecordingSubscriber first = new RecordingSubscriber(ws, loop);
            RecordingSubscriber second = new RecordingSubscriber(sse, loop);
            index.subscribe(first, PRICES, Filter.none());
            index.subscribe(second, PRICES, filter("{\"c\":\"oil\"}"));
            CountDownLatch busy = new CountDownLatch(1);
            loop.execute(() -> awaitQuietly(busy));

            fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}"), message(PRICES, 2, "{\"c\":\"gas\"}")));
            fanOut.dispatch(List.of(message(PRICES, 3, "{\"c\":\"oil\"}")));
            fanOut.dispatch(List.of(message(PRICES, 4, "{\"c\":\"gas\"}")));
            busy.countDown();

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> first.deliveries.size() == 1 && second.deliveries.size() == 1);
            assertThat(first.deliveries).containsExactly(List.of("ws|prices|1|{\"c\":\"oil\"}", "ws|prices|2|{\"c\":\"gas\"}",
                    "ws|prices|3|{\"c\":\"oil\"}", "ws|prices|4|{\"c\":\"gas\"}"));
            assertThat(second.offsets()).containsExactly(1L, 3L);
            assertThat(first.flushesAsked).isEqualTo(1);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void eachLoopMatchesItsOwnSubscribersAndAMessageIsEncodedOnceForAllLoops() throws InterruptedException {
        DefaultEventExecutor one = new DefaultEventExecutor();
        DefaultEventExecutor two = new DefaultEventExecutor();
        try {
            RecordingSubscriber onOne = new RecordingSubscriber(ws, one);
            RecordingSubscriber onTwo = new RecordingSubscriber(ws, two);
            RecordingSubscriber oilOnTwo = new RecordingSubscriber(ws, two);
            RecordingSubscriber sseOnOne = new RecordingSubscriber(sse, one);
            RecordingSubscriber sseOnTwo = new RecordingSubscriber(sse, two);
            index.subscribe(onOne, PRICES, Filter.none());
            index.subscribe(onTwo, PRICES, Filter.none());
            index.subscribe(oilOnTwo, PRICES, filter("{\"c\":\"oil\"}"));
            index.subscribe(sseOnOne, PRICES, Filter.none());
            index.subscribe(sseOnTwo, PRICES, Filter.none());

            fanOut.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}"), message(PRICES, 2, "{\"c\":\"gas\"}")));

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> onOne.deliveries.size() == 1 && onTwo.deliveries.size() == 1 && oilOnTwo.deliveries.size() == 1
                            && sseOnOne.deliveries.size() == 1 && sseOnTwo.deliveries.size() == 1);
            assertThat(sseOnOne.offsets()).containsExactly(1L, 2L);
            assertThat(sseOnTwo.offsets()).containsExactly(1L, 2L);
            assertThat(sse.calls).isEqualTo(2);
            assertThat(onOne.offsets()).containsExactly(1L, 2L);
            assertThat(onTwo.offsets()).containsExactly(1L, 2L);
            assertThat(oilOnTwo.offsets()).containsExactly(1L);
            assertThat(onOne.onOwnLoop).containsOnly(true);
            assertThat(onTwo.onOwnLoop).containsOnly(true);
            assertThat(ws.calls).isEqualTo(2);
        } finally {
            one.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            two.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ws.encoded.stream().allMatch(frame -> frame.refCnt() == 0));
    }

    @Test
    void whenALoopFallsBehindTheIngestThreadWaitsForItInsteadOfQueueingMore() throws Exception {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        ExecutorService ingest = Executors.newSingleThreadExecutor();
        FanOut bounded = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, DeliveryTracer.NONE, DeliveryLatency.NONE, 2, Duration.ZERO);
        CountDownLatch busy = new CountDownLatch(1);
        try {
            RecordingSubscriber subscriber = new RecordingSubscriber(ws, loop);
            index.subscribe(subscriber, PRICES, Filter.none());
            loop.execute(() -> awaitQuietly(busy));
            bounded.dispatch(List.of(message(PRICES, 1, "{}"), message(PRICES, 2, "{}")));

            AtomicReference<Thread> ingestThread = new AtomicReference<>();
            long waitStarts = System.nanoTime();
            Future<?> third = ingest.submit(() -> {
                ingestThread.set(Thread.currentThread());
                bounded.dispatch(List.of(message(PRICES, 3, "{}")));
            });

            // parked in the wait for room, with the third batch not handed over
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> ingestThread.get() != null && ingestThread.get().getState() == Thread.State.TIMED_WAITING);
            assertThat(third).isNotDone();
            assertThat(subscriber.deliveries).isEmpty();
            busy.countDown();

            third.get(5, TimeUnit.SECONDS);
            long waitEnds = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> subscriber.frames().size() == 3);
            assertThat(subscriber.offsets()).containsExactly(1L, 2L, 3L);
            assertThat(bounded.stalledNanos()).isPositive().isLessThanOrEqualTo(waitEnds - waitStarts);
        } finally {
            busy.countDown();
            ingest.shutdownNow();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void recordsArrivingWithinTheCoalescingIntervalOfTheLastTurnAreWrittenTogetherInTheNext() throws InterruptedException {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        // long enough that the three dispatches below happen within it on any machine
        FanOut coalescing = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, DeliveryTracer.NONE, DeliveryLatency.NONE,
                FanOut.DEFAULT_MAX_QUEUED_RECORDS, Duration.ofSeconds(2));
        try {
            RecordingSubscriber subscriber = new RecordingSubscriber(ws, loop);
            index.subscribe(subscriber, PRICES, Filter.none());

            coalescing.dispatch(List.of(message(PRICES, 1, "{}")));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> subscriber.deliveries.size() == 1);
            coalescing.dispatch(List.of(message(PRICES, 2, "{}")));
            coalescing.dispatch(List.of(message(PRICES, 3, "{}")));

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> subscriber.deliveries.size() == 2);
            assertThat(subscriber.deliveries).containsExactly(List.of("ws|prices|1|{}"), List.of("ws|prices|2|{}", "ws|prices|3|{}"));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void latencyIsSampledOncePerLoopTurnFromTheOldestRecordWritten() throws InterruptedException {
        List<Long> sampled = new CopyOnWriteArrayList<>();
        FanOut sampling = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, DeliveryTracer.NONE,
                (recordTimestamp, writtenAt) -> sampled.add(recordTimestamp), FanOut.DEFAULT_MAX_QUEUED_RECORDS, Duration.ZERO);
        index.subscribe(new RecordingSubscriber(ws), PRICES, Filter.none());
        index.subscribe(new RecordingSubscriber(sse), PRICES, Filter.none());
        index.subscribe(new RecordingSubscriber(ws), CURVES, filter("{\"c\":\"oil\"}"));

        sampling.dispatch(List.of(message(CURVES, 1, "{\"c\":\"gas\"}"), message(PRICES, 5, "{}"), message(PRICES, 6, "{}")));
        sampling.dispatch(List.of(message(CURVES, 7, "{\"c\":\"gas\"}")));

        assertThat(sampled).containsExactly(1_700_000_000_005L);
    }

    @Test
    void theTracerSeesEachRecordMatchedAndTheBatchHandedToEachLoopAndWritten() {
        TracedEvents tracer = new TracedEvents();
        FanOut traced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracer);
        index.subscribe(new RecordingSubscriber(ws), PRICES, Filter.none());
        index.subscribe(new RecordingSubscriber(sse), PRICES, filter("{\"c\":\"oil\"}"));

        traced.dispatch(List.of(message(PRICES, 1, "{\"c\":\"oil\"}"), message(PRICES, 2, "{\"c\":\"gas\"}"),
                message(CURVES, 3, "{}")));

        assertThat(tracer.events).containsExactly("batch", "record 1", "record 2", "record 3", "hand-off 1",
                "matched 2", "matched 1", "matched 0", "written");
    }

    @Test
    void aBatchNobodyWantsIsHandedToNoLoop() {
        TracedEvents tracer = new TracedEvents();
        FanOut traced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracer);

        traced.dispatch(List.of(message(PRICES, 1, "{}")));

        assertThat(tracer.events).containsExactly("batch", "record 1", "hand-off 0");
    }

    @Test
    void aBatchDroppedByALoopThatHasShutDownStillCountsAsWritten() throws InterruptedException {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        TracedEvents tracer = new TracedEvents();
        FanOut traced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracer);
        index.subscribe(new RecordingSubscriber(ws, loop), PRICES, Filter.none());

        traced.dispatch(List.of(message(PRICES, 1, "{}")));

        assertThat(tracer.events).containsExactly("batch", "record 1", "hand-off 1", "written");
    }

    @Test
    void aRecordThatFailsToEncodeIsSkippedAndTracedAsFailedWhileTheRestOfTheBatchGoesOut() {
        TracedEvents tracer = new TracedEvents();
        FanOut traced = new FanOut(index, UnpooledByteBufAllocator.DEFAULT, tracer);
        WireFormat failingOnOffset2 = (message, allocator) -> {
            if (message.offset() == 2) {
                throw new IllegalStateException("cannot encode");
            }
            return ws.encode(message, allocator);
        };
        RecordingSubscriber subscriber = new RecordingSubscriber(failingOnOffset2);
        index.subscribe(subscriber, PRICES, Filter.none());

        traced.dispatch(List.of(message(PRICES, 1, "{}"), message(PRICES, 2, "{}"), message(PRICES, 3, "{}")));

        assertThat(subscriber.offsets()).containsExactly(1L, 3L);
        assertThat(tracer.events).containsExactly("batch", "record 1", "record 2", "record 3", "hand-off 1",
                "matched 1", "failed cannot encode", "matched 0", "matched 1", "written");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the fan-out tells its tracer, in order. */
    private static final class TracedEvents implements DeliveryTracer, DeliveryTracer.BatchTrace {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public BatchTrace onBatch() {
            events.add("batch");
            return this;
        }

        @Override
        public RecordTrace onRecord(Message message) {
            events.add("record " + message.offset());
            return new RecordTrace() {
                @Override
                public void onFailed(RuntimeException failure) {
                    events.add("failed " + failure.getMessage());
                }

                @Override
                public void onMatched(int connections) {
                    events.add("matched " + connections);
                }
            };
        }

        @Override
        public void onHandOff(int eventLoops) {
            events.add("hand-off " + eventLoops);
        }

        @Override
        public void onWritten() {
            events.add("written");
        }
    }

    @Test
    void everyFrameCarriesTheCursorOfEveryTopicItsSubscriberHoldsAsOfThatRecordSkippedRecordsIncluded() {
        CursorFormat format = new CursorFormat();
        RecordingSubscriber both = new RecordingSubscriber(format);
        RecordingSubscriber oilPrices = new RecordingSubscriber(format);
        index.subscribe(both, PRICES, Filter.none());
        index.subscribe(both, CURVES, Filter.none());
        index.subscribe(oilPrices, PRICES, filter("{\"c\":\"oil\"}"));

        fanOut.dispatch(List.of(message(PRICES, 1, 20, "{\"c\":\"gas\"}"), message(CURVES, 0, 5, "{}"), message(PRICES, 0, 10, "{\"c\":\"oil\"}")),
                Positions.of(Map.of(PRICES, new long[]{10, 20}, CURVES, new long[]{5})));

        assertThat(cursors(both)).containsExactly(
                cursor(PRICES, new long[]{10, 21}, CURVES, new long[]{5}),
                cursor(PRICES, new long[]{10, 21}, CURVES, new long[]{6}),
                cursor(PRICES, new long[]{11, 21}, CURVES, new long[]{6}));
        assertThat(cursors(oilPrices)).as("the gas record it was not sent still moved its cursor")
                .containsExactly(Cursor.of(Map.of(PRICES, new long[]{11, 21})).encode());
        assertThat(format.heads).as("one head per message and set of topics held").isEqualTo(4);
    }

    @Test
    void subscribersHoldingTheSameTopicsShareOneHeadPerMessage() {
        CursorFormat format = new CursorFormat();
        for (int i = 0; i < 5; i++) {
            index.subscribe(new RecordingSubscriber(format), PRICES, Filter.none());
        }

        fanOut.dispatch(List.of(message(PRICES, 1, "{}"), message(PRICES, 2, "{}")));

        assertThat(format.heads).isEqualTo(2);
        assertThat(format.bodies).isEqualTo(2);
    }

    @Test
    void aCursorFollowsTheTopicsHeldAsSubscriptionsComeAndGo() {
        CursorFormat format = new CursorFormat();
        RecordingSubscriber subscriber = new RecordingSubscriber(format);
        Subscription prices = index.subscribe(subscriber, PRICES, Filter.none());
        Subscription curves = index.subscribe(subscriber, CURVES, Filter.none());
        Positions before = Positions.of(Map.of(PRICES, new long[]{3}, CURVES, new long[]{7}));

        fanOut.dispatch(List.of(message(PRICES, 0, 3, "{}")), before);
        index.unsubscribe(curves);
        fanOut.dispatch(List.of(message(PRICES, 0, 4, "{}")), Positions.of(Map.of(PRICES, new long[]{4}, CURVES, new long[]{7})));
        index.unsubscribe(prices);
        index.subscribe(subscriber, CURVES, Filter.none());
        fanOut.dispatch(List.of(message(CURVES, 0, 7, "{}")), Positions.of(Map.of(PRICES, new long[]{5}, CURVES, new long[]{7})));

        assertThat(cursors(subscriber)).containsExactly(
                cursor(PRICES, new long[]{4}, CURVES, new long[]{7}),
                Cursor.of(Map.of(PRICES, new long[]{5})).encode(),
                Cursor.of(Map.of(CURVES, new long[]{8})).encode());
    }

    /** The cursor of each frame a subscriber got from a {@link CursorFormat}: the text before its `#`. */
    private static List<String> cursors(RecordingSubscriber subscriber) {
        return subscriber.frames().stream().map(frame -> frame.substring(0, frame.indexOf('#'))).toList();
    }

    private static String cursor(String topic1, long[] next1, String topic2, long[] next2) {
        return Cursor.of(Map.of(topic1, next1, topic2, next2)).encode();
    }

    private static Message message(String topic, int partition, long offset, String json) {
        try {
            ObjectNode value = (ObjectNode) MAPPER.readTree(json);
            return new Message(topic, partition, offset, 1_700_000_000_000L + offset, null, value, MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static Message message(String topic, long offset, String json) {
        try {
            ObjectNode value = (ObjectNode) MAPPER.readTree(json);
            return new Message(topic, 0, offset, 1_700_000_000_000L + offset, null, value, MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
