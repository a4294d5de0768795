package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * How a transport frames a data message, in two steps. The body is the same for every subscriber: the hub
 * encodes it at most once per message and format. The frame adds what depends on the cursor, which is the
 * same for the subscribers that hold the same topics (see {@link Cursor}): each event loop builds it once
 * per message and set of topics, and those subscribers share it.
 */
public interface WireFormat {

    /** The bytes every subscriber of the message shares. */
    ByteBuf encode(Message message, ByteBufAllocator allocator);

    /**
     * The complete frame for subscribers at this cursor, around a copy of the body (which stays the
     * caller's). A format whose frames carry no cursor sends the body as it is (the default).
     *
     * @param cursor the cursor as of this message, for the topics these subscribers hold; valid during the call
     */
    default ByteBuf frame(Message message, CursorText cursor, ByteBuf body, ByteBufAllocator allocator) {
        return body.retain();
    }

    /**
     * One of a `latest` topic's current values, sent to one new subscriber before live records, marked as
     * snapshot where the format can say so (as a data message otherwise: the default).
     */
    default ByteBuf snapshotFrame(Message message, CursorText cursor, ByteBufAllocator allocator) {
        ByteBuf body = encode(message, allocator);
        try {
            return frame(message, cursor, body, allocator);
        } finally {
            body.release();
        }
    }

    /** The end of a subscription's snapshot: how many values it sent. Null for a format with no such marker (the default). */
    default ByteBuf snapshotComplete(String topic, int values, CursorText cursor, ByteBufAllocator allocator) {
        return null;
    }
}
