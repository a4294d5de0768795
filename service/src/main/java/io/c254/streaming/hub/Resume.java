package io.c254.streaming.hub;

import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A subscription that began from a client's cursor, until it has caught up with the live fan-out.
 * <p>
 * While the history replays what the client missed, live records of the topic are held back (at most
 * {@link #MAX_HELD}; past that they are dropped and the history reads on to the partitions' new end
 * instead). Once the history has caught up, the held records follow, less those the replay already gave.
 * Where the replay read further than the event loop has got (the ingest lagging behind the partitions'
 * end), live records the client already has are skipped until the loop has passed them. The seam has no
 * gap, as the subscription was live before the history looked for the end, and no duplicate, as every
 * record below the client's position in its partition is skipped.
 * <p>
 * Meanwhile this holds the client's position in the topic, and so its cursor: the subscriber's frames are
 * its own (see {@link TopicSet}). Replayed records are written only as far as the client has room for them,
 * a reserve kept for live records; a client that takes none for {@link #STALL_NANOS} is a slow consumer.
 * Loop only; the {@link History.Replay} calls hop to the loop.
 */
final class Resume implements History.Replay {

    /** Live records held back per resuming subscription while its history is read. */
    static final int MAX_HELD = 1_024;
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final int SNAPSHOT_CHUNK = 256;

    private enum Phase { REPLAYING, AHEAD }

    private final Subscription subscription;
    private final LoopShard shard;
    private final ResumeFrom.Listener listener;
    private final EventExecutor loop;
    /** Per partition, the next offset the client has not been given. */
    private long[] next;
    private Phase phase = Phase.REPLAYING;
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    private boolean overflowed;
    /** A snapshot of a `latest` topic's values rather than a replay of records; then, the values sent. */
    private final LatestValues snapshotOf;
    private int snapshotCount;

    // the chunk of replayed records being written
    private List<Message> chunk;
    private int chunkIndex;
    private CompletableFuture<Void> chunkWritten;
    private long lastProgressNanos;

    Resume(Subscription subscription, LoopShard shard, ResumeFrom from) {
        this(subscription, shard, from.listener(), from.next(), null);
    }

    private Resume(Subscription subscription, LoopShard shard, ResumeFrom.Listener listener, long[] next, LatestValues snapshotOf) {
        this.subscription = subscription;
        this.shard = shard;
        this.listener = listener;
        this.loop = subscription.subscriber().executor();
        this.next = next;
        this.snapshotOf = snapshotOf;
    }

    /**
     * A new subscription to a `latest` topic: the current value of every key its filters match, marked as
     * snapshot, then a `snapshot_complete`, then live records, the ones that came meanwhile held back as for
     * a replay. The values stand as of the loop's position, where live records begin: nothing is missed in
     * between (a value newer than that may come again live). Started on the loop.
     */
    static Resume snapshot(Subscription subscription, LoopShard shard, LatestValues values) {
        return new Resume(subscription, shard, null, loopPosition(subscription, shard), values);
    }

    /** Where the subscription's event loop stands in its topic: where its live records begin. */
    private static long[] loopPosition(Subscription subscription, LoopShard shard) {
        long[] live = shard.positions().get(subscription.topic());
        return live == null ? new long[0] : live.clone();
    }

    /** Sends the values a chunk at a time, each once the client has taken the one before, then the end marker. */
    void playSnapshot() {
        play(snapshotOf.of(subscription.topic(), subscription.tenant()), 0);
    }

    private void play(List<Message> values, int from) {
        if (from >= values.size() || !subscription.isActive()) {
            caughtUp(next.clone()).thenAccept(done -> {
                if (!done) {
                    // live records came faster than they could be held: a fresh snapshot stands for them
                    next = loopPosition(subscription, shard);
                    execute(this::playSnapshot);
                }
            });
            return;
        }
        int to = Math.min(values.size(), from + SNAPSHOT_CHUNK);
        deliver(values.subList(from, to)).thenRun(() -> loop.execute(() -> play(values, to)));
    }

    long[] from() {
        return next.clone();
    }

    /** The client's position in the topic: while replaying its own; once ahead, whichever is further per partition. */
    long[] cursorOffsets(long[] live) {
        if (phase == Phase.REPLAYING || live == null) {
            return next;
        }
        long[] offsets = Arrays.copyOf(live, Math.max(live.length, next.length));
        for (int p = 0; p < next.length; p++) {
            offsets[p] = Math.max(offsets[p], next[p]);
        }
        return offsets;
    }

    /**
     * A live record matched the subscription: false when it must not be written now (held back, or the client
     * has it already). Once the loop has passed every position of the replay, the subscription is live.
     */
    boolean admitLive(Message message, Map<String, long[]> positions) {
        if (phase == Phase.REPLAYING) {
            if (!overflowed) {
                if (held.size() == MAX_HELD) {
                    held.clear();
                    overflowed = true;
                } else {
                    held.add(message);
                }
            }
            return false;
        }
        if (!isNew(message)) {
            return false;
        }
        moveTo(message.partition(), message.offset() + 1);
        if (loopHasPassed(positions)) {
            shard.resumed(subscription);
        }
        return true;
    }

    @Override
    public boolean cancelled() {
        return !subscription.isActive();
    }

    @Override
    public CompletableFuture<Void> begin(long[] from, List<Gap> missing, List<Gap> beyondEnd) {
        return onLoop(() -> {
            next = from.clone();
            if (subscription.isActive()) {
                if (!beyondEnd.isEmpty()) {
                    listener.onAhead(subscription.topic(), beyondEnd);
                }
                if (!missing.isEmpty()) {
                    listener.onGap(subscription.topic(), missing);
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> skipped(List<Gap> missing) {
        return onLoop(() -> {
            missing.forEach(gap -> moveTo(gap.partition(), gap.to()));
            if (subscription.isActive()) {
                listener.onGap(subscription.topic(), missing);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> deliver(List<Message> records) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        execute(() -> {
            chunk = records;
            chunkIndex = 0;
            chunkWritten = written;
            lastProgressNanos = System.nanoTime();
            try {
                writeChunk();
            } catch (RuntimeException e) {
                written.completeExceptionally(e);
            }
        });
        return written;
    }

    @Override
    public CompletableFuture<Boolean> caughtUp(long[] reached) {
        return onLoop(() -> {
            for (int p = 0; p < reached.length; p++) {
                moveTo(p, reached[p]);
            }
            if (!subscription.isActive()) {
                return true;
            }
            if (overflowed) {
                // what was dropped is below the partitions' end from now on: the history reads it again
                overflowed = false;
                return false;
            }
            boolean written = snapshotOf != null && shard.writeSnapshotComplete(subscription, snapshotCount);
            for (Message message : held) {
                if (isNew(message)) {
                    moveTo(message.partition(), message.offset() + 1);
                    written |= shard.writeOwn(subscription, message);
                }
            }
            held.clear();
            if (written) {
                subscription.subscriber().flush();
            }
            phase = Phase.AHEAD;
            if (loopHasPassed(shard.positions())) {
                shard.resumed(subscription);
            }
            return true;
        });
    }

    /** Writes the chunk's records as far as the client has room; comes back for the rest. */
    private void writeChunk() {
        Subscriber subscriber = subscription.subscriber();
        boolean written = false;
        while (chunkIndex < chunk.size() && subscription.isActive()) {
            Message message = chunk.get(chunkIndex);
            // a snapshot's values are older and newer than its position alike: none moves it
            boolean isNew = snapshotOf != null || isNew(message);
            if (isNew && passes(message)) {
                long room = subscriber.replayRoom();
                if (room < 0) {
                    break; // the connection is closing: its end cancels the replay
                }
                if (room < message.valueJson().length + 512L) {
                    if (written) {
                        subscriber.flush();
                    }
                    if (System.nanoTime() - lastProgressNanos > STALL_NANOS) {
                        subscriber.tooSlow();
                        break;
                    }
                    loop.schedule(this::writeChunk, RETRY_NANOS, TimeUnit.NANOSECONDS);
                    return;
                }
                if (snapshotOf != null) {
                    written |= shard.writeSnapshot(subscription, message);
                    snapshotCount++;
                } else {
                    // the frame's cursor is the position after its record
                    moveTo(message.partition(), message.offset() + 1);
                    written |= shard.writeOwn(subscription, message);
                }
                lastProgressNanos = System.nanoTime();
            } else if (isNew && snapshotOf == null) {
                moveTo(message.partition(), message.offset() + 1);
            }
            chunkIndex++;
        }
        if (written) {
            subscriber.flush();
        }
        chunk = null;
        chunkWritten.complete(null);
    }

    /** Replayed records pass the same checks as live ones: the subscription's tenant, then its filter. */
    private boolean passes(Message message) {
        String tenant = subscription.tenant();
        return (tenant == null || tenant.equals(message.tenant())) && subscription.filter().matches(message.value());
    }

    private boolean isNew(Message message) {
        int p = message.partition();
        return p >= next.length || message.offset() >= next[p];
    }

    private void moveTo(int partition, long offset) {
        if (partition >= next.length) {
            next = Arrays.copyOf(next, partition + 1);
        }
        next[partition] = Math.max(next[partition], offset);
    }

    private boolean loopHasPassed(Map<String, long[]> positions) {
        long[] live = positions.get(subscription.topic());
        for (int p = 0; p < next.length; p++) {
            if (next[p] > (live != null && p < live.length ? live[p] : 0)) {
                return false;
            }
        }
        return true;
    }

    private <T> CompletableFuture<T> onLoop(Supplier<T> step) {
        CompletableFuture<T> done = new CompletableFuture<>();
        execute(() -> {
            try {
                done.complete(step.get());
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private void execute(Runnable step) {
        if (loop.inEventLoop()) {
            step.run();
        } else {
            loop.execute(step);
        }
    }
}
