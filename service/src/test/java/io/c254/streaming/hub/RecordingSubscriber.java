package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps its frames as text, grouped by flush: one delivery is what one flush handed to the socket. */
final class RecordingSubscriber implements Subscriber {
    private final WireFormat format;
    private final EventExecutor executor;
    private final List<String> unflushed = new ArrayList<>();
    final List<List<String>> deliveries = new CopyOnWriteArrayList<>();
    final List<Boolean> onOwnLoop = new CopyOnWriteArrayList<>();
    /** How many times write answered that a flush is due: must equal the flushes the hub made. */
    int flushesAsked;
    /** While set, the connection is backed up: it takes nothing and has no room. */
    volatile boolean backedUp;
    /** Whether the hub ended it as a slow consumer. */
    volatile boolean endedAsTooSlow;

    RecordingSubscriber(WireFormat format) {
        this(format, ImmediateEventExecutor.INSTANCE);
    }

    RecordingSubscriber(WireFormat format, EventExecutor executor) {
        this.format = format;
        this.executor = executor;
    }

    @Override
    public WireFormat wireFormat() {
        return format;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public Written write(ByteBuf frame) {
        if (backedUp && unflushed.isEmpty()) {
            return Written.BACKED_UP;
        }
        onOwnLoop.add(executor.inEventLoop());
        unflushed.add(frame.toString(StandardCharsets.UTF_8));
        if (unflushed.size() == 1) {
            flushesAsked++;
            return Written.FIRST;
        }
        return Written.MORE;
    }

    @Override
    public long replayRoom() {
        return endedAsTooSlow ? -1 : backedUp ? 0 : Long.MAX_VALUE;
    }

    @Override
    public void tooSlow() {
        endedAsTooSlow = true;
    }

    @Override
    public void flush() {
        deliveries.add(List.copyOf(unflushed));
        unflushed.clear();
    }

    List<String> frames() {
        return deliveries.stream().flatMap(List::stream).toList();
    }

    List<Long> offsets() {
        return frames().stream().map(frame -> Long.parseLong(frame.split("\\|")[2])).toList();
    }
}
