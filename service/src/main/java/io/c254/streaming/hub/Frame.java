package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;

/**
 * Encoded bytes for one subscriber, with the subscription they were matched for: by the time the
 * subscriber's event loop writes them, that subscription may have ended, and then they are dropped.
 */
public record Frame(Subscription subscription, ByteBuf bytes) {
}
