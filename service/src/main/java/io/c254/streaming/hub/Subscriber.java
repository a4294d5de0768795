package io.c254.streaming.hub;

import io.netty.util.concurrent.EventExecutor;

import java.util.List;

/** A connection as the hub sees it; the transports implement it. */
public interface Subscriber {

    WireFormat wireFormat();

    /** The event loop that owns the connection: deliveries run there, one task per loop per batch. */
    EventExecutor executor();

    /**
     * Writes the frames of one batch, in order, with one flush, skipping those whose subscription has
     * ended. Called on {@link #executor()}. Takes ownership of the bytes: each must be written or released.
     */
    void deliver(List<Frame> frames);
}
