package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * How a transport frames a data message. The hub encodes each message at most once per format and
 * hands every subscriber of that format a duplicate of the same bytes.
 */
public interface WireFormat {
    ByteBuf encode(Message message, ByteBufAllocator allocator);
}
