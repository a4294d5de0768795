package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Frames as `format|topic|offset|value`, so a test can see which format built which frame. */
final class CountingFormat implements WireFormat {
    private final String name;
    final List<ByteBuf> encoded = new CopyOnWriteArrayList<>();
    int calls;

    CountingFormat(String name) {
        this.name = name;
    }

    @Override
    public ByteBuf encode(Message message, ByteBufAllocator allocator) {
        calls++;
        ByteBuf frame = allocator.buffer();
        frame.writeCharSequence(name + "|" + message.topic() + "|" + message.offset() + "|", StandardCharsets.UTF_8);
        frame.writeBytes(message.valueJson());
        encoded.add(frame);
        return frame;
    }
}
