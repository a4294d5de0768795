package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;

/**
 * Encoded bytes for one subscriber, with the subscription they were matched for: by the time the
 * subscriber's event loop writes them, that subscription may have ended, and then they are dropped.
 *
 * @param recordTimestamp the Kafka record's timestamp (ms), for the delivery latency
 */
public record Frame(Subscription subscription, ByteBuf bytes, long recordTimestamp) {
}
