package io.c254.streaming.hub;

import io.netty.buffer.ByteBufAllocator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands each poll batch to the event loops. The ingest thread does work per record and per loop, never
 * per subscriber: it hands every loop that holds subscriptions the same batch once, and each loop
 * ({@link LoopShard}) matches its own connections and writes them in parallel with the others. Each
 * message is encoded at most once per wire format, whatever the number of loops and subscribers.
 * <p>
 * Under load the loops write in coalesced turns: a loop turns at most once per coalescing interval, so
 * records that arrive faster than that go to each connection together, in one write burst and one flush,
 * and the cost per record falls as the rate rises. Records further apart are written at once.
 * <p>
 * When a loop falls behind, the ingest thread waits for it instead of queueing without bound: Kafka
 * keeps what is not consumed yet, and the lag shows in the consumer-lag metric. A connection that cannot
 * keep up is closed as a slow consumer by its transport, so it never holds back the others of its loop.
 */
public final class FanOut implements Dispatcher {

    /** Records a loop may have waiting before the ingest thread waits for it. */
    public static final int DEFAULT_MAX_QUEUED_RECORDS = 8_192;
    private static final long WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final SubscriptionIndex index;
    private final ByteBufAllocator allocator;
    private final DeliveryTracer tracer;
    private final DeliveryLatency latency;
    private final int maxQueuedRecords;
    private final long coalescingNanos;
    private final LongAdder stalledNanos = new LongAdder();

    public FanOut(SubscriptionIndex index, ByteBufAllocator allocator) {
        this(index, allocator, DeliveryTracer.NONE, DeliveryLatency.NONE, DEFAULT_MAX_QUEUED_RECORDS, Duration.ZERO);
    }

    public FanOut(SubscriptionIndex index, ByteBufAllocator allocator, DeliveryTracer tracer) {
        this(index, allocator, tracer, DeliveryLatency.NONE, DEFAULT_MAX_QUEUED_RECORDS, Duration.ZERO);
    }

    /**
     * @param maxQueuedRecords records a loop may have waiting before the ingest thread waits for it
     * @param coalescing       the least time between two turns of a loop: records arriving faster wait for the
     *                         next turn and go out together, one write burst and one flush per connection;
     *                         records further apart than this never wait
     */
    public FanOut(SubscriptionIndex index, ByteBufAllocator allocator, DeliveryTracer tracer, DeliveryLatency latency,
                  int maxQueuedRecords, Duration coalescing) {
        this.index = index;
        this.allocator = allocator;
        this.tracer = tracer;
        this.latency = latency;
        this.maxQueuedRecords = maxQueuedRecords;
        this.coalescingNanos = coalescing.toNanos();
    }

    @Override
    public void dispatch(List<Message> batch, Positions before) {
        // before the loops in use are read: a loop idle now that gets a subscription takes these positions
        index.latest(before);
        if (batch.isEmpty()) {
            return;
        }
        DeliveryTracer.BatchTrace trace = tracer.onBatch();
        DeliveryTracer.RecordTrace[] traces = new DeliveryTracer.RecordTrace[batch.size()];
        for (int i = 0; i < traces.length; i++) {
            traces[i] = trace.onRecord(batch.get(i));
        }
        List<LoopShard> loops = index.shardsInUse();
        // before the first loop runs: a fast loop must not see the batch as written while others still wait
        trace.onHandOff(loops.size());
        if (loops.isEmpty()) {
            return;
        }
        OutboundBatch outbound = new OutboundBatch(batch, before, traces, trace, allocator, latency, loops.size());
        for (LoopShard loop : loops) {
            awaitRoom(loop);
            if (!loop.offer(outbound, coalescingNanos)) {
                outbound.onLoopDone();
            }
        }
    }

    /** Backpressure: waits while the loop has more than its share queued, unless it is shutting down. */
    private void awaitRoom(LoopShard loop) {
        if (loop.queuedRecords() < maxQueuedRecords) {
            return;
        }
        long started = System.nanoTime();
        while (loop.queuedRecords() >= maxQueuedRecords && !loop.loop().isShuttingDown() && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(WAIT_NANOS);
        }
        stalledNanos.add(System.nanoTime() - started);
    }

    /** Time the ingest thread spent waiting for event loops that had fallen behind, in nanoseconds. */
    public long stalledNanos() {
        return stalledNanos.sum();
    }
}
