package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One poll batch on its way to the event loops. Every loop that holds subscriptions gets the same
 * instance; each message is encoded at most once per wire format, by the first loop that needs it, and
 * the frames are released when the last loop is done with the batch.
 */
final class OutboundBatch {

    private final List<Message> messages;
    private final Positions before;
    private final DeliveryTracer.RecordTrace[] traces;
    private final DeliveryTracer.BatchTrace trace;
    private final ByteBufAllocator allocator;
    private final DeliveryLatency latency;
    /** Per message: its frames by format, built on first need; guarded by this batch. */
    private final EncodedMessage[] encoded;
    private final AtomicInteger loopsLeft;

    OutboundBatch(List<Message> messages, Positions before, DeliveryTracer.RecordTrace[] traces, DeliveryTracer.BatchTrace trace,
                  ByteBufAllocator allocator, DeliveryLatency latency, int loops) {
        this.messages = messages;
        this.before = before;
        this.traces = traces;
        this.trace = trace;
        this.allocator = allocator;
        this.latency = latency;
        this.encoded = new EncodedMessage[messages.size()];
        this.loopsLeft = new AtomicInteger(loops);
    }

    int size() {
        return messages.size();
    }

    Message message(int i) {
        return messages.get(i);
    }

    DeliveryTracer.RecordTrace trace(int i) {
        return traces[i];
    }

    DeliveryLatency latency() {
        return latency;
    }

    /** Where each partition stood before this batch's first record. */
    Positions before() {
        return before;
    }

    ByteBufAllocator allocator() {
        return allocator;
    }

    /**
     * The frame of message i in this format: the same bytes for every loop and subscriber. Throws if
     * encoding fails the first time; afterwards answers null, so that only one loop reports the failure.
     */
    synchronized ByteBuf frame(int i, WireFormat format) {
        EncodedMessage message = encoded[i];
        if (message == null) {
            message = encoded[i] = new EncodedMessage();
        }
        return message.frame(messages.get(i), format, allocator);
    }

    /** One loop has written and flushed its share, or dropped it; the last one releases the frames. */
    void onLoopDone() {
        trace.onWritten();
        if (loopsLeft.decrementAndGet() == 0) {
            release();
        }
    }

    private synchronized void release() {
        for (EncodedMessage message : encoded) {
            if (message != null) {
                message.release();
            }
        }
    }

    /** A message's frames: formats are few (WebSocket, SSE), so two slots and no map. A null frame is a failed format. */
    private static final class EncodedMessage {
        private WireFormat firstFormat;
        private ByteBuf first;
        private WireFormat secondFormat;
        private ByteBuf second;
        private List<FormatFrame> others;

        private record FormatFrame(WireFormat format, ByteBuf frame) {
        }

        ByteBuf frame(Message message, WireFormat format, ByteBufAllocator allocator) {
            if (format == firstFormat) {
                return first;
            }
            if (format == secondFormat) {
                return second;
            }
            if (others != null) {
                for (FormatFrame other : others) {
                    if (other.format() == format) {
                        return other.frame();
                    }
                }
            }
            ByteBuf frame = null;
            try {
                frame = format.encode(message, allocator);
                return frame;
            } finally {
                // a format that failed is kept with no frame: later lookups answer null instead of failing again
                keep(format, frame);
            }
        }

        private void keep(WireFormat format, ByteBuf frame) {
            if (firstFormat == null) {
                firstFormat = format;
                first = frame;
            } else if (secondFormat == null) {
                secondFormat = format;
                second = frame;
            } else {
                if (others == null) {
                    others = new ArrayList<>(2);
                }
                others.add(new FormatFrame(format, frame));
            }
        }

        void release() {
            if (first != null) {
                first.release();
            }
            if (second != null) {
                second.release();
            }
            if (others != null) {
                others.stream().map(FormatFrame::frame).filter(Objects::nonNull).forEach(ByteBuf::release);
            }
        }
    }
}
