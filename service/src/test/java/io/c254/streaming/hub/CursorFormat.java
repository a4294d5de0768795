package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/** Frames as `cursor#topic|offset`, so a test reads each frame's cursor. Counts the bodies and frames it built. */
final class CursorFormat implements WireFormat {
    int heads;
    int bodies;

    @Override
    public ByteBuf encode(Message message, ByteBufAllocator allocator) {
        bodies++;
        ByteBuf body = allocator.buffer();
        body.writeCharSequence(message.topic() + "|" + message.offset(), StandardCharsets.UTF_8);
        return body;
    }

    @Override
    public ByteBuf frame(Message message, CursorText cursor, ByteBuf body, ByteBufAllocator allocator) {
        heads++;
        ByteBuf frame = allocator.buffer();
        frame.writeCharSequence(cursor + "#", StandardCharsets.US_ASCII);
        frame.writeBytes(body, body.readerIndex(), body.readableBytes());
        return frame;
    }
}
