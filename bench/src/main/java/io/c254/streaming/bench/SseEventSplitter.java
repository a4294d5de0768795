package io.c254.streaming.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Cuts an event stream into events (each ends with a blank line, {@code \n\n}) across the chunks the
 * stream arrives in. Complete events are handed over in place; only the tail of an event split between
 * chunks is copied, into a buffer that is freed as soon as it is empty again.
 */
final class SseEventSplitter {

    /** Receives each complete event as the bytes {@code [from, to)} of {@code bytes}, blank line excluded. */
    interface EventSink {
        void onEvent(ByteBuf bytes, int from, int to);
    }

    private static final byte[] EVENT_END = {'\n', '\n'};

    private final ByteBufAllocator allocator;
    private ByteBuf tail;

    SseEventSplitter(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    /** Reads all of {@code chunk} (without releasing it). */
    void onChunk(ByteBuf chunk, EventSink sink) {
        if (tail == null) {
            int rest = emitEvents(chunk, chunk.readerIndex(), sink);
            if (rest < chunk.writerIndex()) {
                tail = allocator.heapBuffer(Math.max(256, chunk.writerIndex() - rest));
                tail.writeBytes(chunk, rest, chunk.writerIndex() - rest);
            }
            return;
        }
        // an event's end may straddle the boundary: search again from the last byte already held
        int searchFrom = Math.max(tail.readerIndex(), tail.writerIndex() - 1);
        tail.writeBytes(chunk, chunk.readerIndex(), chunk.readableBytes());
        int rest = emitEvents(tail, searchFrom, sink);
        if (rest >= tail.writerIndex()) {
            release();
        } else {
            tail.readerIndex(rest);
            tail.discardReadBytes();
        }
    }

    void release() {
        if (tail != null) {
            tail.release();
            tail = null;
        }
    }

    /** Emits every complete event from the reader index on; returns where the incomplete rest begins. */
    private static int emitEvents(ByteBuf bytes, int searchFrom, EventSink sink) {
        int eventStart = bytes.readerIndex();
        int end = bytes.writerIndex();
        int at = searchFrom;
        while (true) {
            int blank = RecordStamp.indexOf(bytes, at, end, EVENT_END);
            if (blank < 0) {
                return eventStart;
            }
            sink.onEvent(bytes, eventStart, blank);
            eventStart = blank + EVENT_END.length;
            at = eventStart;
        }
    }
}
