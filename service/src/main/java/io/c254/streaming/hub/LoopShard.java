package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The subscriptions of the connections of one event loop, and the batches waiting for it. The ingest
 * thread hands it each batch once; the loop then matches its own subscribers and writes them, all
 * batches that queued up since its last turn together, with one flush per connection. Everything but
 * the inbox and the two counters is touched on the loop only.
 */
final class LoopShard implements Runnable, TopicSubscriptions.Matches {

    // failures are reported under the fan-out's name: it is the fan-out an operator knows
    private static final Logger log = LoggerFactory.getLogger(FanOut.class);

    private final EventExecutor loop;
    private final History history;
    private final LatestValues latestValues;
    private final LongAdder conflatedSlow;
    private final LongAdder conflatedRate;
    /** Where the ingest stood when it last handed a batch to the loops in use, for a loop that was idle then. */
    private final Supplier<Positions> latest;
    private final Map<Scope, TopicSubscriptions> scopes = new HashMap<>();
    private final Map<Subscriber, Holdings> holdings = new HashMap<>();
    private final TopicSet.Interner topicSets = new TopicSet.Interner();
    /** Per topic, the next offset of each partition as of the message being written: cursors are read off it. */
    private final Map<String, long[]> positions = new HashMap<>();
    /** Messages walked on this loop so far: tells a topic set's cursor of this message from the last one's. */
    private long messageNumber;
    private final Cursor.Out cursorBytes = new Cursor.Out(64);
    /** Subscriptions made for this loop, counted on the caller's thread (the loop adds them a moment later). */
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final Queue<OutboundBatch> inbox = new ConcurrentLinkedQueue<>();
    /** Records handed to this loop and not yet written: what the ingest thread waits on when it is too far ahead. */
    private final AtomicInteger queuedRecords = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** When the last turn began (System.nanoTime); written on the loop, read by the ingest thread. */
    private volatile long lastTurnNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

    // the state of one turn; loop only
    private final List<Subscriber> unflushed = new ArrayList<>();
    private final List<OutboundBatch> drained = new ArrayList<>();
    private OutboundBatch batch;
    private int messageIndex;
    private int matched;
    private WireFormat format1;
    private ByteBuf frame1;
    private WireFormat format2;
    private ByteBuf frame2;
    /** The frames built for the message being written: per topic set and format, released once it is written. */
    private final List<Framed> framed = new ArrayList<>(4);

    private record Framed(TopicSet set, WireFormat format, ByteBuf frame) {
    }

    private TopicSet lastSet;
    private WireFormat lastFormat;
    private ByteBuf lastFrame;

    /** A topic, or one tenant's share of a tenant-scoped topic (tenant null otherwise). */
    record Scope(String topic, String tenant) {
    }

    LoopShard(EventExecutor loop, History history, LatestValues latestValues, Supplier<Positions> latest, LongAdder conflatedSlow,
              LongAdder conflatedRate) {
        this.conflatedSlow = conflatedSlow;
        this.conflatedRate = conflatedRate;
        this.loop = loop;
        this.history = history;
        this.latestValues = latestValues;
        this.latest = latest;
    }

    EventExecutor loop() {
        return loop;
    }

    void counted(int change) {
        subscriptions.addAndGet(change);
    }

    boolean isEmpty() {
        return subscriptions.get() == 0;
    }

    int queuedRecords() {
        return queuedRecords.get();
    }

    /**
     * On the loop. A subscription that resumes is live from here, its live records held back, while the
     * history reads what its client missed (see {@link Resume}); a new one to a `latest` topic, while the
     * topic's current values are sent.
     */
    void add(Subscription subscription) {
        if (inbox.isEmpty()) {
            // nothing is on its way to this loop: every batch handed out so far is behind the new subscription
            latest.get().raiseInto(positions);
        }
        scopes.computeIfAbsent(new Scope(subscription.topic(), subscription.tenant()), s -> new TopicSubscriptions()).add(subscription);
        Resume resume = null;
        if (subscription.resumeFrom() != null) {
            resume = new Resume(subscription, this, subscription.resumeFrom());
        } else if (latestValues.holds(subscription.topic())) {
            resume = Resume.snapshot(subscription, this, latestValues);
        }
        subscription.resume(resume);
        holdings.computeIfAbsent(subscription.subscriber(), s -> new Holdings()).add(subscription, topicSets);
        if (subscription.resumeFrom() != null) {
            history.replay(subscription.topic(), resume.from(), resume);
        } else if (resume != null) {
            resume.playSnapshot();
        }
    }

    /** On the loop: the subscriber's cursor as it stands, over the topics it holds. */
    String cursorOf(Subscriber subscriber) {
        Holdings held = holdings.get(subscriber);
        return held == null ? Cursor.of(Map.of()).encode() : held.set().cursorNow(positions, cursorBytes);
    }

    /** On the loop: where this loop has got, per topic and partition. */
    Map<String, long[]> positions() {
        return positions;
    }

    /** On the loop: the subscription has caught up with live; its subscriber shares frames again (unless values wait). */
    void resumed(Subscription subscription) {
        subscription.resume(null);
        positionsChanged(subscription);
    }

    /** On the loop: values of the subscription now wait for its subscriber (or, null, no longer do). */
    void conflated(Subscription subscription, Conflation conflation) {
        subscription.conflation(conflation);
        positionsChanged(subscription);
    }

    private void positionsChanged(Subscription subscription) {
        Holdings held = holdings.get(subscription.subscriber());
        if (held != null) {
            held.changed(topicSets);
        }
    }

    /**
     * On the loop: a live update the subscriber cannot take now, its connection backed up or its rate spent.
     * A `latest` topic's waits, newest value per key; for a `stream` topic, where every record matters, the
     * connection is ended as a slow consumer (its client can resume from its cursor).
     */
    private void cannotTakeNow(Subscription subscription, Message message, LongAdder reason) {
        if (!latestValues.isLatest(subscription.topic())) {
            subscription.subscriber().tooSlow();
            return;
        }
        Conflation waiting = new Conflation(subscription, this, latestValues, reason);
        conflated(subscription, waiting);
        waitFor(subscription, waiting, message);
        waiting.scheduleDrain();
    }

    private void waitFor(Subscription subscription, Conflation waiting, Message message) {
        if (!waiting.add(message)) {
            subscription.subscriber().tooSlow();
        }
    }

    /**
     * On the loop, outside a turn: one message for one resuming subscriber, in a frame of its own. True when
     * the subscriber must be flushed (see {@link Subscriber#write}).
     */
    boolean writeOwn(Subscription subscription, Message message) {
        WireFormat format = subscription.subscriber().wireFormat();
        ByteBuf body = format.encode(message, ByteBufAllocator.DEFAULT);
        try {
            return write(subscription, format.frame(message, cursorOf(subscription), body, ByteBufAllocator.DEFAULT));
        } finally {
            body.release();
        }
    }

    /** As {@link #writeOwn}: one of a `latest` topic's current values, marked as snapshot. */
    boolean writeSnapshot(Subscription subscription, Message message) {
        return write(subscription, subscription.subscriber().wireFormat().snapshotFrame(message, cursorOf(subscription), ByteBufAllocator.DEFAULT));
    }

    /** As {@link #writeOwn}: the end of a subscription's snapshot, once its values are sent. */
    boolean writeSnapshotComplete(Subscription subscription, int values) {
        ByteBuf marker = subscription.subscriber().wireFormat()
                .snapshotComplete(subscription.topic(), values, cursorOf(subscription), ByteBufAllocator.DEFAULT);
        return marker != null && write(subscription, marker);
    }

    private CursorText cursorOf(Subscription subscription) {
        return subscription.topicSet().cursor(messageNumber, positions, cursorBytes);
    }

    /** Writes a frame of the subscriber's own, and lets go of it: true when the subscriber must be flushed. */
    private static boolean write(Subscription subscription, ByteBuf frame) {
        try {
            return subscription.subscriber().write(frame) == Subscriber.Written.FIRST;
        } finally {
            frame.release();
        }
    }

    /** On the loop. */
    void remove(Subscription subscription) {
        Scope scope = new Scope(subscription.topic(), subscription.tenant());
        TopicSubscriptions topic = scopes.get(scope);
        if (topic != null) {
            topic.remove(subscription);
            if (topic.size() == 0) {
                scopes.remove(scope);
            }
        }
        Holdings held = holdings.get(subscription.subscriber());
        if (held != null) {
            held.remove(subscription, topicSets);
            if (held.isEmpty()) {
                holdings.remove(subscription.subscriber());
            }
        }
    }

    /**
     * On the ingest thread: queues the batch and wakes the loop unless a turn is already due; a turn that would
     * follow the last one within the coalescing interval is put off until the interval is over. False if the
     * loop is gone.
     */
    boolean offer(OutboundBatch batch, long coalescingNanos) {
        queuedRecords.addAndGet(batch.size());
        inbox.add(batch);
        if (scheduled.compareAndSet(false, true)) {
            try {
                long wait = lastTurnNanos + coalescingNanos - System.nanoTime();
                if (wait > 0) {
                    loop.schedule(this, wait, TimeUnit.NANOSECONDS);
                } else {
                    loop.execute(this);
                }
            } catch (RejectedExecutionException shuttingDown) {
                inbox.remove(batch);
                queuedRecords.addAndGet(-batch.size());
                log.debug("event loop is shutting down; dropping a batch of {} records for its connections", batch.size());
                return false;
            }
        }
        return true;
    }

    /** One turn: every batch queued so far, matched and written, then one flush per connection written to. */
    @Override
    public void run() {
        scheduled.set(false);
        lastTurnNanos = System.nanoTime();
        long oldestWritten = Long.MAX_VALUE;
        OutboundBatch next;
        while ((next = inbox.poll()) != null) {
            oldestWritten = Math.min(oldestWritten, deliver(next));
            drained.add(next);
        }
        for (Subscriber subscriber : unflushed) {
            subscriber.flush();
        }
        unflushed.clear();
        if (oldestWritten != Long.MAX_VALUE) {
            drained.getFirst().latency().sample(oldestWritten, System.currentTimeMillis());
        }
        for (OutboundBatch done : drained) {
            queuedRecords.addAndGet(-done.size());
            done.onLoopDone();
        }
        drained.clear();
    }

    /** Matches and writes one batch; answers the timestamp of the oldest record written, or Long.MAX_VALUE. */
    private long deliver(OutboundBatch outbound) {
        batch = outbound;
        outbound.before().copyInto(positions);
        long oldestWritten = Long.MAX_VALUE;
        for (int i = 0; i < outbound.size(); i++) {
            Message message = outbound.message(i);
            // every record moves the positions, written here or not: a cursor covers what was skipped too
            Positions.advance(positions, message);
            messageNumber++;
            TopicSubscriptions topic = scopes.get(new Scope(message.topic(), message.tenant()));
            if (topic == null) {
                outbound.trace(i).onMatched(0);
                continue;
            }
            messageIndex = i;
            matched = 0;
            format1 = format2 = null;
            frame1 = frame2 = null;
            try {
                topic.forEachMatch(message.value(), this);
            } catch (RuntimeException e) {
                DeliveryTracer.RecordTrace trace = outbound.trace(i);
                // one record must never cost the others of its batch
                trace.inLogContext(() -> log.warn("skipped a record that failed to fan out: topic={} partition={} offset={}: {}",
                        message.topic(), message.partition(), message.offset(), e.toString()));
                trace.onFailed(e);
            } finally {
                releaseFrames();
            }
            outbound.trace(i).onMatched(matched);
            if (matched > 0) {
                oldestWritten = Math.min(oldestWritten, message.timestamp());
            }
        }
        batch = null;
        frame1 = frame2 = null;
        return oldestWritten;
    }

    @Override
    public void onMatch(Subscription subscription) {
        if (!subscription.isActive()) {
            return; // ended on another thread; its removal is on its way to this loop
        }
        // the hot path stays small enough to inline: the rare cases are a call away
        if (!subscription.plain() && !admitted(subscription)) {
            return;
        }
        Subscriber subscriber = subscription.subscriber();
        ByteBuf frame = frame(subscription.topicSet(), subscriber.wireFormat());
        if (frame == null) {
            return;
        }
        matched++;
        Subscriber.Written written = subscriber.write(frame);
        if (written == Subscriber.Written.FIRST) {
            unflushed.add(subscriber);
        } else if (written == Subscriber.Written.BACKED_UP) {
            cannotTakeNow(subscription, batch.message(messageIndex), conflatedSlow);
        }
    }

    /**
     * Whether a live record goes to a subscription that is resuming, has values waiting or a rate cap now:
     * held back while it resumes, waiting with the others, or over its cap (then it waits).
     */
    private boolean admitted(Subscription subscription) {
        Message message = batch.message(messageIndex);
        Resume resume = subscription.resume();
        if (resume != null && !resume.admitLive(message, positions)) {
            return false;
        }
        Conflation waiting = subscription.conflation();
        if (waiting != null) {
            // behind: the update waits with the others, newest per key, until the subscriber takes them
            waitFor(subscription, waiting, message);
            return false;
        }
        if (subscription.rate() != null && !subscription.rate().tryConsume(1)) {
            cannotTakeNow(subscription, message, conflatedRate);
            return false;
        }
        return true;
    }

    /**
     * The current message's frame for subscribers holding these topics, in this format: their cursor around
     * the body every subscriber shares. Built once per message, set and format; null if the body could not
     * be encoded.
     */
    private ByteBuf frame(TopicSet set, WireFormat format) {
        // most subscribers of a message share one set and format: the last frame built is checked first
        if (set == lastSet && format == lastFormat) {
            return lastFrame;
        }
        for (int i = 0; i < framed.size(); i++) {
            Framed built = framed.get(i);
            if (built.set() == set && built.format() == format) {
                return remember(built).frame();
            }
        }
        ByteBuf body = body(format);
        if (body == null) {
            return null;
        }
        Message message = batch.message(messageIndex);
        ByteBuf frame = format.frame(message, set.cursor(messageNumber, positions, cursorBytes), body, batch.allocator());
        Framed built = new Framed(set, format, frame);
        framed.add(built);
        return remember(built).frame();
    }

    private Framed remember(Framed built) {
        lastSet = built.set();
        lastFormat = built.format();
        lastFrame = built.frame();
        return built;
    }

    private void releaseFrames() {
        for (int i = 0; i < framed.size(); i++) {
            framed.get(i).frame().release();
        }
        framed.clear();
        lastSet = null;
        lastFormat = null;
        lastFrame = null;
    }

    /** The current message's body in this format; two formats are remembered for the message, the batch knows the rest. */
    private ByteBuf body(WireFormat format) {
        if (format == format1) {
            return frame1;
        }
        if (format == format2) {
            return frame2;
        }
        ByteBuf frame = batch.frame(messageIndex, format);
        if (format1 == null) {
            format1 = format;
            frame1 = frame;
        } else if (format2 == null) {
            format2 = format;
            frame2 = frame;
        }
        return frame;
    }
}
