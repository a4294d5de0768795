package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * Delivers a batch of messages to their subscribers: each message is encoded once per wire format, each
 * subscriber gets all of its frames of the batch in one task on its own event loop (one write burst and
 * one flush), and each event loop gets one task per batch. A {@link DeliveryTracer} follows each message
 * from here until every event loop has written its share of the batch.
 */
public final class FanOut implements Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(FanOut.class);

    private final SubscriptionIndex index;
    private final ByteBufAllocator allocator;
    private final DeliveryTracer tracer;

    public FanOut(SubscriptionIndex index, ByteBufAllocator allocator) {
        this(index, allocator, DeliveryTracer.NONE);
    }

    public FanOut(SubscriptionIndex index, ByteBufAllocator allocator, DeliveryTracer tracer) {
        this.index = index;
        this.allocator = allocator;
        this.tracer = tracer;
    }

    @Override
    public void dispatch(List<Message> batch) {
        DeliveryTracer.BatchTrace trace = tracer.onBatch();
        Map<Subscriber, List<Frame>> framesBySubscriber = new IdentityHashMap<>();
        for (Message message : batch) {
            match(message, framesBySubscriber, trace.onRecord(message));
        }
        if (framesBySubscriber.isEmpty()) {
            trace.onHandOff(0);
        } else {
            submitPerEventLoop(framesBySubscriber, trace);
        }
    }

    /** Adds the message's frame to each matching subscriber's list. The record's trace is the logging context meanwhile. */
    private void match(Message message, Map<Subscriber, List<Frame>> framesBySubscriber, DeliveryTracer.RecordTrace trace) {
        Encodings encodings = new Encodings(message, allocator);
        try {
            index.forEachMatch(message, subscription -> {
                Subscriber subscriber = subscription.subscriber();
                framesBySubscriber.computeIfAbsent(subscriber, s -> new ArrayList<>(4))
                        .add(new Frame(subscription, encodings.frame(subscriber.wireFormat()).retainedDuplicate(), message.timestamp()));
            });
        } catch (RuntimeException e) {
            // one record must never cost the others of its batch; frames already handed out stay valid
            log.warn("skipped a record that failed to fan out: topic={} partition={} offset={}: {}",
                    message.topic(), message.partition(), message.offset(), e.toString());
            trace.onFailed(e);
        } finally {
            trace.onMatched(encodings.handedOut());
            encodings.release();
        }
    }

    private void submitPerEventLoop(Map<Subscriber, List<Frame>> framesBySubscriber, DeliveryTracer.BatchTrace trace) {
        Map<EventExecutor, List<Map.Entry<Subscriber, List<Frame>>>> byLoop = new HashMap<>();
        framesBySubscriber.entrySet().forEach(e -> byLoop.computeIfAbsent(e.getKey().executor(), l -> new ArrayList<>()).add(e));
        // before the first task runs: a fast loop must not see the batch as written while others still wait
        trace.onHandOff(byLoop.size());
        byLoop.forEach((loop, deliveries) -> {
            try {
                loop.execute(() -> {
                    try {
                        deliveries.forEach(d -> d.getKey().deliver(d.getValue()));
                    } finally {
                        trace.onWritten();
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                log.debug("event loop is shutting down; dropping {} deliveries", deliveries.size());
                deliveries.forEach(d -> d.getValue().forEach(frame -> frame.bytes().release()));
                trace.onWritten();
            }
        });
    }

    /** A message's frames, one per wire format in use, built on first need. Formats are few (ws, sse). */
    private static final class Encodings {
        private final Message message;
        private final ByteBufAllocator allocator;
        private WireFormat firstFormat;
        private ByteBuf firstFrame;
        private Map<WireFormat, ByteBuf> others;
        private int handedOut;

        Encodings(Message message, ByteBufAllocator allocator) {
            this.message = message;
            this.allocator = allocator;
        }

        /** The frame for a subscriber of this format; each call is one connection handed the message. */
        ByteBuf frame(WireFormat format) {
            ByteBuf frame = encoded(format);
            handedOut++;
            return frame;
        }

        private ByteBuf encoded(WireFormat format) {
            if (firstFormat == null) {
                firstFormat = format;
                firstFrame = format.encode(message, allocator);
            }
            if (format == firstFormat) {
                return firstFrame;
            }
            if (others == null) {
                others = new IdentityHashMap<>(2);
            }
            return others.computeIfAbsent(format, f -> f.encode(message, allocator));
        }

        int handedOut() {
            return handedOut;
        }

        void release() {
            if (firstFrame != null) {
                firstFrame.release();
            }
            if (others != null) {
                others.values().forEach(ByteBuf::release);
            }
        }
    }
}
