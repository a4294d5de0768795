package io.c254.streaming.hub;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.DefaultEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A subscriber that cannot take updates now: a `latest` topic's wait, newest value per key, and go out once
 * it can; a `stream` topic's end it as a slow consumer. The same waiting serves a client's rate cap.
 */
class ConflationTest {

    private static final String PRICES = "prices";
    private static final String CURVES = "curves";

    private final DefaultEventExecutor loop = new DefaultEventExecutor();
    private final SubscriptionIndex index = new SubscriptionIndex(History.NONE, new LatestValues(Map.of(PRICES, "sym"), 0, 0));
    private final FanOut fanOut = new FanOut(index, UnpooledByteBufAllocator.DEFAULT);
    private final CursorFormat format = new CursorFormat();
    private final RecordingSubscriber client = new RecordingSubscriber(format, loop);

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aBackedUpClientOfALatestTopicGetsTheNewestValueOfEachKeyOnceItCanOldestFirst() {
        onLoop(() -> index.subscribe(client, PRICES, Filter.none()));
        client.backedUp = true;
        prices(0, "A", 1, "B", 2, "A");
        awaitTurns();
        assertThat(client.frames()).isEmpty();
        assertThat(index.conflatedForSlowClients()).as("A at 0 was replaced by A at 2").isEqualTo(1);

        client.backedUp = false;
        await().atMost(Duration.ofSeconds(10)).until(() -> client.frames().size() == 2);
        prices(3, "C");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.frames().size() == 3);

        assertThat(client.frames()).containsExactly(
                cursor(2) + "#prices|1",   // A at 2 still waited when B went out
                cursor(3) + "#prices|2",
                cursor(4) + "#prices|3");  // live again
        assertThat(client.endedAsTooSlow).isFalse();
    }

    @Test
    void aBackedUpClientOfAStreamTopicIsEndedAsASlowConsumer() {
        onLoop(() -> index.subscribe(client, CURVES, Filter.none()));
        client.backedUp = true;

        fanOut.dispatch(List.of(message(CURVES, 0, "{}")), Positions.of(Map.of(CURVES, new long[]{0})));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.endedAsTooSlow);

        assertThat(client.frames()).isEmpty();
    }

    @Test
    void moreKeysWaitingThanABoundEndTheClientAsASlowConsumer() {
        onLoop(() -> index.subscribe(client, PRICES, Filter.none()));
        client.backedUp = true;
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i <= Conflation.MAX_WAITING; i++) {
            batch.add(message(PRICES, i, "{\"sym\":\"K" + i + "\"}"));
        }
        fanOut.dispatch(batch, Positions.of(Map.of(PRICES, new long[]{0})));

        await().atMost(Duration.ofSeconds(10)).until(() -> client.endedAsTooSlow);
    }

    @Test
    void aRateCapLetsTheBudgetThroughAndConflatesTheRestWhileOtherTopicsCarryTheOldestWaitingPosition() {
        onLoop(() -> {
            index.subscribe(client, PRICES, null, Filter.none(), null, 2);
            index.subscribe(client, CURVES, Filter.none());
        });
        prices(0, "A", 1, "A", 2, "A", 3, "A");
        fanOut.dispatch(List.of(message(CURVES, 0, "{}")), Positions.of(Map.of(PRICES, new long[]{4}, CURVES, new long[]{0})));
        awaitTurns();

        assertThat(client.frames()).as("the two a second it asked for, then the other topic's record").containsExactly(
                cursors(1, 0) + "#prices|0",
                cursors(2, 0) + "#prices|1",
                // A at 2 waited, then A at 3 replaced it: the cursor stays at or before the oldest that waited
                cursors(2, 1) + "#curves|0");
        assertThat(index.conflatedForRate()).as("A at 2 was replaced by A at 3").isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> client.frames().size() == 4);
        assertThat(client.frames().getLast()).isEqualTo(cursors(4, 1) + "#prices|3");
    }

    private void prices(Object... offsetThenKey) {
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < offsetThenKey.length; i += 2) {
            batch.add(message(PRICES, (Integer) offsetThenKey[i], "{\"sym\":\"" + offsetThenKey[i + 1] + "\"}"));
        }
        fanOut.dispatch(batch, Positions.of(Map.of(PRICES, new long[]{batch.getFirst().offset()}, CURVES, new long[]{0})));
    }

    /** Everything the loop had to do so far is done. */
    private void awaitTurns() {
        onLoop(() -> { });
    }

    private void onLoop(Runnable step) {
        loop.submit(step).syncUninterruptibly();
    }

    private static String cursor(long next) {
        return Cursor.of(Map.of(PRICES, new long[]{next})).encode();
    }

    private static String cursors(long prices, long curves) {
        return Cursor.of(Map.of(PRICES, new long[]{prices}, CURVES, new long[]{curves})).encode();
    }

    private static Message message(String topic, long offset, String json) {
        return Records.record(topic, 0, offset, json);
    }
}
