package io.c254.streaming.hub;

import io.github.bucket4j.Bucket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The updates of a `latest` topic waiting for one subscriber that cannot take them now: its connection
 * is backed up, or the rate it asked for is spent. The newest value of each key wins: a client that falls
 * behind gets the current value of every key it missed rather than every value in between, and it costs
 * at most {@link #MAX_WAITING} values however long it stays behind (more, and it is ended as a slow
 * consumer). Waiting values go out oldest first per partition, as the client has room and budget; until
 * they are out its cursor stays at the oldest one still waiting, so a client that leaves meanwhile
 * resumes without losing any. Loop only.
 */
final class Conflation {

    /** Keys that may wait per subscription. */
    static final int MAX_WAITING = 10_000;
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Subscription subscription;
    private final LoopShard shard;
    private final LatestValues keys;
    private final LongAdder superseded;
    private final Map<String, Message> waiting = new LinkedHashMap<>();
    /** Per partition, at or below the oldest offset waiting; Long.MAX_VALUE where none waits. */
    private long[] oldest = new long[0];

    /** @param superseded counts the updates a newer value of their key replaced before they went out */
    Conflation(Subscription subscription, LoopShard shard, LatestValues keys, LongAdder superseded) {
        this.subscription = subscription;
        this.shard = shard;
        this.keys = keys;
        this.superseded = superseded;
    }

    /** Keeps the update as its key's newest value; false when the subscriber has more keys waiting than it may. */
    boolean add(Message message) {
        String key = keys.keyOf(message);
        if (key == null) {
            // a value without a key replaces nothing
            key = "\u0000" + message.partition() + ':' + message.offset();
        }
        if (waiting.put(key, message) != null) {
            superseded.increment();
        }
        int p = message.partition();
        if (p >= oldest.length) {
            int from = oldest.length;
            oldest = Arrays.copyOf(oldest, p + 1);
            Arrays.fill(oldest, from, oldest.length, Long.MAX_VALUE);
        }
        // a replaced value may have been the oldest: the mark stays at or below the oldest waiting, which is safe
        oldest[p] = Math.min(oldest[p], message.offset());
        return waiting.size() <= MAX_WAITING;
    }

    /** The client's position in the topic: nothing past the oldest value still waiting in each partition. */
    long[] cursorOffsets(long[] live) {
        if (live == null) {
            return null;
        }
        long[] offsets = live.clone();
        for (int p = 0; p < Math.min(offsets.length, oldest.length); p++) {
            offsets[p] = Math.min(offsets[p], oldest[p]);
        }
        return offsets;
    }

    /** Comes back every few milliseconds until nothing waits. */
    void scheduleDrain() {
        subscription.subscriber().executor().schedule(this::drain, DRAIN_NANOS, TimeUnit.NANOSECONDS);
    }

    /** Writes waiting values, oldest first per partition, as far as room and rate allow; the subscription goes on live once none waits. */
    private void drain() {
        if (!subscription.isActive() || subscription.conflation() != this) {
            return;
        }
        Subscriber subscriber = subscription.subscriber();
        List<Map.Entry<String, Message>> ordered = new ArrayList<>(waiting.entrySet());
        ordered.sort(Comparator.comparingInt((Map.Entry<String, Message> e) -> e.getValue().partition())
                .thenComparingLong(e -> e.getValue().offset()));
        Bucket rate = subscription.rate();
        boolean written = false;
        int i = 0;
        for (; i < ordered.size(); i++) {
            Message message = ordered.get(i).getValue();
            long room = subscriber.replayRoom();
            if (room < 0) {
                return; // closing: its end drops the subscription
            }
            if (room < message.valueJson().length + 512L || (rate != null && !rate.tryConsume(1))) {
                break;
            }
            waiting.remove(ordered.get(i).getKey());
            // the frame's cursor: everything before the next value waiting in this partition is out
            Message after = i + 1 < ordered.size() ? ordered.get(i + 1).getValue() : null;
            oldest[message.partition()] = after != null && after.partition() == message.partition() ? after.offset() : Long.MAX_VALUE;
            written |= shard.writeOwn(subscription, message);
        }
        if (written) {
            subscriber.flush();
        }
        if (waiting.isEmpty()) {
            shard.conflated(subscription, null);
        } else {
            scheduleDrain();
        }
    }
}
