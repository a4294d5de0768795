package io.c254.streaming.bench;

import java.net.InetSocketAddress;

import io.netty.channel.Channel;

/** One storm client: where it connects from, its attempts in the current phase, and its connection once back. */
final class StormClient {

    private final int index;
    private final InetSocketAddress source;
    private int attempts;
    private volatile Channel channel;
    private volatile boolean back;

    StormClient(int index, InetSocketAddress source) {
        this.index = index;
        this.source = source;
    }

    int index() {
        return index;
    }

    InetSocketAddress source() {
        return source;
    }

    /** Counts an attempt of this phase. */
    synchronized void nextAttempt() {
        attempts++;
    }

    /** Whether another attempt of this phase is allowed. */
    synchronized boolean nextAttemptAllowed(int maxAttempts) {
        return attempts < maxAttempts;
    }

    /** A new phase (the drop): attempts count again from zero. */
    synchronized void resetAttempts() {
        attempts = 0;
        back = false;
    }

    boolean back() {
        return back;
    }

    void onBack(Channel channel) {
        this.channel = channel;
        this.back = true;
    }

    Channel channel() {
        return channel;
    }
}
