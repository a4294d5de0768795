package io.c254.streaming.hub;

import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static io.c254.streaming.hub.FilterTest.filter;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seam between a resumed subscription's replay and its live records, on one event loop: the history
 * is played by the test, step by step, between live batches. The Kafka side is {@code ResumeIT}'s.
 */
class ResumeTest {

    private static final String PRICES = "prices";
    private static final String CURVES = "curves";

    private final Played history = new Played();
    private final SubscriptionIndex index = new SubscriptionIndex(history, LatestValues.NONE);
    private final FanOut fanOut = new FanOut(index, UnpooledByteBufAllocator.DEFAULT);
    private final CursorFormat format = new CursorFormat();
    private final RecordingSubscriber client = new RecordingSubscriber(format);
    private final Told told = new Told();

    @Test
    void liveRecordsArrivingDuringTheReplayFollowItWithoutAGapOrADuplicate() {
        loopAt(10);
        index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{5}, told));
        assertThat(history.topic).isEqualTo(PRICES);
        assertThat(history.from).containsExactly(5);

        live(10, 11);
        assertThat(client.frames()).as("held back while the history is read").isEmpty();
        history.replay.begin(new long[]{5}, List.of(), List.of());
        history.replay.deliver(records(PRICES, 5, 12));
        assertThat(history.replay.caughtUp(new long[]{12})).isCompletedWithValue(true);
        live(12);

        assertThat(offsets(client)).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(cursors()).containsExactly(LongStream.rangeClosed(6, 13).mapToObj(next -> cursor(PRICES, next)).toArray(String[]::new));
    }

    @Test
    void whenTheReplayReadFurtherThanTheLoopLiveRecordsTheClientHasAreSkipped() {
        loopAt(10);
        index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{8}, told));
        history.replay.begin(new long[]{8}, List.of(), List.of());
        history.replay.deliver(records(PRICES, 8, 15));
        history.replay.caughtUp(new long[]{15});

        live(10, 11, 12, 13, 14, 15);

        assertThat(offsets(client)).containsExactly(8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L);
        assertThat(cursors().getLast()).isEqualTo(cursor(PRICES, 16));
    }

    @Test
    void whileReplayingTheClientsCursorHoldsItsOwnPositionInTheTopicNotTheLoops() {
        loopAt(10);
        index.subscribe(client, CURVES, Filter.none());
        index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{5}, told));
        history.replay.begin(new long[]{5}, List.of(), List.of());
        history.replay.deliver(records(PRICES, 5, 7));

        fanOut.dispatch(List.of(message(CURVES, 0, 3, "{}")), Positions.of(Map.of(PRICES, new long[]{10}, CURVES, new long[]{3})));

        assertThat(cursors().getLast()).as("a live record of another topic carries the replay's position")
                .isEqualTo(Cursor.of(Map.of(PRICES, new long[]{7}, CURVES, new long[]{4})).encode());
    }

    @Test
    void afterCatchingUpAResumedClientSharesFramesWithTheOthersAgain() {
        RecordingSubscriber other = new RecordingSubscriber(format);
        loopAt(10);
        index.subscribe(other, PRICES, Filter.none());
        index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{9}, told));
        history.replay.begin(new long[]{9}, List.of(), List.of());
        history.replay.deliver(records(PRICES, 9, 10));
        history.replay.caughtUp(new long[]{10});
        int headsBefore = format.heads;

        live(10);

        assertThat(format.heads - headsBefore).as("one frame for both").isEqualTo(1);
        assertThat(offsets(client)).containsExactly(9L, 10L);
        assertThat(offsets(other)).containsExactly(10L);
    }

    @Test
    void tooManyLiveRecordsHeldBackSendTheHistoryToReadOnInstead() {
        loopAt(0);
        index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{0}, told));
        history.replay.begin(new long[]{0}, List.of(), List.of());
        long[] flood = LongStream.range(0, Resume.MAX_HELD + 1).toArray();
        live(flood);

        assertThat(history.replay.caughtUp(new long[]{0})).as("read on").isCompletedWithValue(false);
        history.replay.deliver(records(PRICES, 0, Resume.MAX_HELD + 1));
        live(Resume.MAX_HELD + 1);
        assertThat(history.replay.caughtUp(new long[]{Resume.MAX_HELD + 1})).isCompletedWithValue(true);

        assertThat(offsets(client)).containsExactlyElementsOf(LongStream.rangeClosed(0, Resume.MAX_HELD + 1).boxed().toList());
    }

    @Test
    void replayedRecordsPassTheSubscriptionsTenantAndFilterAsLiveOnesDo() {
        loopAt(0);
        index.subscribe(client, PRICES, "acme", filter("{\"c\":\"oil\"}"), new ResumeFrom(new long[]{0}, told));
        history.replay.begin(new long[]{0}, List.of(), List.of());
        history.replay.deliver(List.of(
                message(PRICES, 0, 0, "{\"c\":\"oil\"}", "acme"),
                message(PRICES, 0, 1, "{\"c\":\"oil\"}", "globex"),
                message(PRICES, 0, 2, "{\"c\":\"gas\"}", "acme"),
                message(PRICES, 0, 3, "{\"c\":\"oil\"}", "acme")));

        assertThat(offsets(client)).containsExactly(0L, 3L);
        assertThat(cursors()).containsExactly(cursor(PRICES, 1), cursor(PRICES, 4));
    }

    @Test
    void gapsAndACursorAheadOfTheEndAreToldBeforeAnyRecord() {
        loopAt(50);
        index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{5, 900}, told));
        history.replay.begin(new long[]{20, 40}, List.of(new Gap(0, 5, 20)), List.of(new Gap(1, 40, 900)));
        history.replay.skipped(List.of(new Gap(0, 20, 30)));
        history.replay.deliver(List.of(message(PRICES, 0, 30, "{}")));

        assertThat(told.events).containsExactly("ahead prices [Gap[partition=1, from=40, to=900]]",
                "gap prices [Gap[partition=0, from=5, to=20]]",
                "gap prices [Gap[partition=0, from=20, to=30]]");
        assertThat(cursors()).containsExactly(Cursor.of(Map.of(PRICES, new long[]{31, 40})).encode());
    }

    @Test
    void anUnsubscribedResumeIsCancelledAndWritesNothingMore() {
        loopAt(0);
        Subscription resumed = index.subscribe(client, PRICES, null, Filter.none(), new ResumeFrom(new long[]{0}, told));
        history.replay.begin(new long[]{0}, List.of(), List.of());
        index.unsubscribe(resumed);

        assertThat(history.replay.cancelled()).isTrue();
        assertThat(history.replay.deliver(records(PRICES, 0, 3))).isCompleted();
        assertThat(client.frames()).isEmpty();
    }

    @Test
    void theStartingCursorOfALoopThatHadNoBatchYetIsWhereTheSourceStands() {
        fanOut.dispatch(List.of(), Positions.of(Map.of(PRICES, new long[]{42, 7})));
        index.subscribe(client, PRICES, Filter.none());

        assertThat(index.cursor(client)).isEqualTo(Cursor.of(Map.of(PRICES, new long[]{42, 7})).encode());
    }

    @Test
    void aNewSubscriptionToALatestTopicGetsTheCurrentValueOfEveryKeyItsFilterMatchesThenLive() {
        LatestValues values = new LatestValues(Map.of(PRICES, "sym"), 100, 1 << 20);
        SubscriptionIndex withValues = new SubscriptionIndex(history, values);
        FanOut fanOutWithValues = new FanOut(withValues, UnpooledByteBufAllocator.DEFAULT);
        values.update(message(PRICES, 0, 1, "{\"sym\":\"A\",\"c\":\"oil\",\"v\":1}"));
        values.update(message(PRICES, 0, 2, "{\"sym\":\"B\",\"c\":\"gas\",\"v\":1}"));
        values.update(message(PRICES, 0, 3, "{\"sym\":\"A\",\"c\":\"oil\",\"v\":2}"));
        values.update(message(PRICES, 0, 4, "{\"sym\":\"C\",\"c\":\"oil\",\"v\":1}"));
        fanOutWithValues.dispatch(List.of(), Positions.of(Map.of(PRICES, new long[]{5})));
        RecordingSubscriber oil = new RecordingSubscriber(new SnapshotMarkingFormat());

        withValues.subscribe(oil, PRICES, null, filter("{\"c\":\"oil\"}"), null);
        fanOutWithValues.dispatch(List.of(message(PRICES, 0, 5, "{\"sym\":\"A\",\"c\":\"oil\",\"v\":3}")),
                Positions.of(Map.of(PRICES, new long[]{5})));

        assertThat(oil.frames()).containsExactlyInAnyOrder("snapshot 3", "snapshot 4", "complete 2", "data 5");
        assertThat(oil.frames().subList(2, 4)).as("the marker after the values, live records after the marker")
                .containsExactly("complete 2", "data 5");
    }

    @Test
    void liveRecordsArrivingWhileASnapshotIsSentFollowItsMarker() {
        LatestValues values = new LatestValues(Map.of(PRICES, "sym"), 1_000, 1 << 20);
        for (int i = 0; i < 600; i++) {
            values.update(message(PRICES, 0, i, "{\"sym\":\"K" + i + "\"}"));
        }
        SubscriptionIndex withValues = new SubscriptionIndex(history, values);
        FanOut fanOutWithValues = new FanOut(withValues, UnpooledByteBufAllocator.DEFAULT);
        fanOutWithValues.dispatch(List.of(), Positions.of(Map.of(PRICES, new long[]{600})));
        io.netty.util.concurrent.DefaultEventExecutor loop = new io.netty.util.concurrent.DefaultEventExecutor();
        try {
            RecordingSubscriber late = new RecordingSubscriber(new SnapshotMarkingFormat(), loop);
            loop.submit(() -> {
                withValues.subscribe(late, PRICES, null, Filter.none(), null);
                // on the loop, right behind the subscription: the snapshot's later chunks are still to come
                fanOutWithValues.dispatch(List.of(message(PRICES, 0, 600, "{\"sym\":\"K1\"}")), Positions.of(Map.of(PRICES, new long[]{600})));
            }).syncUninterruptibly();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> late.frames().contains("data 600"));

            List<String> frames = late.frames();
            assertThat(frames).hasSize(602);
            assertThat(frames.subList(600, 602)).containsExactly("complete 600", "data 600");
        } finally {
            loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void replayedRecordsWaitForRoomAndTheReaderWaitsUntilTheClientTookThem() {
        io.netty.util.concurrent.DefaultEventExecutor loop = new io.netty.util.concurrent.DefaultEventExecutor();
        try {
            RecordingSubscriber full = new RecordingSubscriber(new CursorFormat(), loop);
            loop.submit(() -> {
                loopAt(10);
                index.subscribe(full, PRICES, null, Filter.none(), new ResumeFrom(new long[]{5}, told));
            }).syncUninterruptibly();
            full.backedUp = true;
            java.util.concurrent.CompletableFuture<Void> taken = history.replay.deliver(records(PRICES, 5, 8));
            loop.submit(() -> { }).syncUninterruptibly();
            assertThat(full.frames()).as("no room: nothing yet").isEmpty();
            assertThat(taken).as("the reader still waits").isNotDone();

            full.backedUp = false;
            taken.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();

            assertThat(offsets(full)).containsExactly(5L, 6L, 7L);
        } finally {
            loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The source stands at `next` in PRICES' one partition; the loop has seen it. */
    private void loopAt(long next) {
        fanOut.dispatch(List.of(), Positions.of(Map.of(PRICES, new long[]{next})));
    }

    /** A live batch of PRICES records at these offsets, handed over with the positions before the first. */
    private void live(long... offsets) {
        List<Message> batch = new ArrayList<>();
        for (long offset : offsets) {
            batch.add(message(PRICES, 0, offset, "{}"));
        }
        fanOut.dispatch(batch, Positions.of(Map.of(PRICES, new long[]{offsets[0]})));
    }

    /** The offset of each frame a subscriber got from the {@link CursorFormat}: the number after its `|`. */
    private static List<Long> offsets(RecordingSubscriber subscriber) {
        return subscriber.frames().stream().map(frame -> Long.parseLong(frame.substring(frame.indexOf('|') + 1))).toList();
    }

    private List<String> cursors() {
        return client.frames().stream().map(frame -> frame.substring(0, frame.indexOf('#'))).toList();
    }

    private static String cursor(String topic, long next) {
        return Cursor.of(Map.of(topic, new long[]{next})).encode();
    }

    private static List<Message> records(String topic, long from, long to) {
        return LongStream.range(from, to).mapToObj(offset -> message(topic, 0, offset, "{}")).toList();
    }

    private static Message message(String topic, int partition, long offset, String json) {
        return Records.record(topic, partition, offset, json);
    }

    private static Message message(String topic, int partition, long offset, String json, String tenant) {
        return Records.record(topic, partition, offset, json, tenant);
    }

    /** Frames as `snapshot OFFSET`, `data OFFSET` and `complete COUNT`. */
    private static final class SnapshotMarkingFormat implements WireFormat {
        @Override
        public io.netty.buffer.ByteBuf encode(Message message, io.netty.buffer.ByteBufAllocator allocator) {
            return text(allocator, "data " + message.offset());
        }

        @Override
        public io.netty.buffer.ByteBuf snapshotFrame(Message message, CursorText cursor, io.netty.buffer.ByteBufAllocator allocator) {
            return text(allocator, "snapshot " + message.offset());
        }

        @Override
        public io.netty.buffer.ByteBuf snapshotComplete(String topic, int values, CursorText cursor, io.netty.buffer.ByteBufAllocator allocator) {
            return text(allocator, "complete " + values);
        }

        private static io.netty.buffer.ByteBuf text(io.netty.buffer.ByteBufAllocator allocator, String text) {
            io.netty.buffer.ByteBuf frame = allocator.buffer();
            frame.writeCharSequence(text, java.nio.charset.StandardCharsets.US_ASCII);
            return frame;
        }
    }

    /** A history the test plays by hand: it keeps what it was asked. */
    private static final class Played implements History {
        String topic;
        long[] from;
        Replay replay;

        @Override
        public void replay(String topic, long[] from, Replay replay) {
            this.topic = topic;
            this.from = from;
            this.replay = replay;
        }
    }

    private static final class Told implements ResumeFrom.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onGap(String topic, List<Gap> missing) {
            events.add("gap " + topic + " " + missing);
        }

        @Override
        public void onAhead(String topic, List<Gap> beyondEnd) {
            events.add("ahead " + topic + " " + beyondEnd);
        }
    }
}
