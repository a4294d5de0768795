package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

import java.util.List;

/** A connection as the hub sees it; the transports implement it. */
public interface Subscriber {

    WireFormat wireFormat();

    /** The event loop that owns the connection: deliveries run there, one task per loop per batch. */
    EventExecutor executor();

    /**
     * Writes the frames of one batch, in order, with one flush. Called on {@link #executor()}. Takes
     * ownership of the frames: each must be written or released.
     */
    void deliver(List<ByteBuf> frames);
}
