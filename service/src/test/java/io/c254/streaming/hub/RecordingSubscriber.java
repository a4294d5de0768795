package io.c254.streaming.hub;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps each delivery's frames as text and releases them, as a real connection does once written. */
final class RecordingSubscriber implements Subscriber {
    private final WireFormat format;
    private final EventExecutor executor;
    final List<List<String>> deliveries = new CopyOnWriteArrayList<>();
    final List<Boolean> onOwnLoop = new CopyOnWriteArrayList<>();

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
    public void deliver(List<Frame> frames) {
        onOwnLoop.add(executor.inEventLoop());
        deliveries.add(frames.stream().map(frame -> {
            String text = frame.bytes().toString(StandardCharsets.UTF_8);
            frame.bytes().release();
            return text;
        }).toList());
    }

    List<String> frames() {
        return deliveries.stream().flatMap(List::stream).toList();
    }

    List<Long> offsets() {
        return frames().stream().map(frame -> Long.parseLong(frame.split("\\|")[2])).toList();
    }
}
