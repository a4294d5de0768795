package io.c254.streaming.bench;

import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.Channel;

/**
 * One subscriber connection of the run: its number, its filter, and whether it became ok (received its first
 * byte of stream) or failed. The state changes once; {@link Connections} counts each change.
 */
final class Subscriber {

    enum State { CONNECTING, OK, FAILED }

    private final int index;
    private final int instrument;
    private final Connections connections;
    private final AtomicReference<State> state = new AtomicReference<>(State.CONNECTING);
    private volatile Channel channel;

    /** @param instrument the instrument this subscriber filters on, or -1 when it takes every record */
    Subscriber(int index, int instrument, Connections connections) {
        this.index = index;
        this.instrument = instrument;
        this.connections = connections;
    }

    int index() {
        return index;
    }

    int instrument() {
        return instrument;
    }

    boolean filtered() {
        return instrument >= 0;
    }

    State state() {
        return state.get();
    }

    void attach(Channel channel) {
        this.channel = channel;
    }

    void onOk() {
        if (state.compareAndSet(State.CONNECTING, State.OK)) {
            connections.onOk();
        }
    }

    /** Counts the failure (once) and closes the connection. */
    void onFailed(String reason) {
        if (state.compareAndSet(State.CONNECTING, State.FAILED)) {
            connections.onFailed(reason);
        }
        Channel open = channel;
        if (open != null) {
            open.close();
        }
    }

    /** The connection closed: before it was ok that is a failure, after it a subscriber lost mid-run. */
    void onClosed() {
        if (state.get() == State.OK) {
            connections.onDropped();
        } else {
            onFailed("closed before the first byte of stream");
        }
    }
}
