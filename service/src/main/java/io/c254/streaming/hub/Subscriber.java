package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * A connection as the hub sees it; the transports implement it. The hub calls {@link #write} and
 * {@link #flush} only on {@link #executor()}: each event loop matches and writes its own connections.
 */
public interface Subscriber {

    WireFormat wireFormat();

    /** The event loop that owns the connection: its subscriptions are matched and written there. */
    EventExecutor executor();

    /** What became of a frame handed to {@link #write}. */
    enum Written {
        /** Queued, the first since the last flush: the hub calls {@link #flush} once, at the end of the loop's turn. */
        FIRST,
        /** Queued behind others not flushed yet. */
        MORE,
        /**
         * Not queued: the connection still holds more than its bound unsent from before. The hub conflates
         * the update (a `latest` topic) or ends the connection as a slow consumer ({@link #tooSlow}).
         */
        BACKED_UP,
        /** Not queued: the connection is closing. */
        DROPPED
    }

    /**
     * Queues one data frame without flushing. The frame's bytes stay the hub's and are shared with the other
     * subscribers of its loop that use the same format and hold the same topics (so have the same cursor):
     * write a retained duplicate, or nothing. Whether the connection is backed up is told at the first
     * frame after a flush; the frames of a turn after it always go.
     */
    Written write(ByteBuf frame);

    /** Hands everything written since the last flush to the socket: one flush per connection per turn. */
    void flush();

    /**
     * How many bytes of replayed records it may be given now: what it can take before it counts as a slow
     * consumer, less a reserve for live records; negative once it is closing. Replays write no more.
     */
    default long replayRoom() {
        return Long.MAX_VALUE;
    }

    /** It took nothing for too long: end it as a slow consumer (it may resume from its cursor). */
    default void tooSlow() {
    }
}
