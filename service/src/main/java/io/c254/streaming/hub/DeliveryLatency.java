package io.c254.streaming.hub;

/**
 * Where delivery latency samples go. Sampled, not recorded per delivery: each event loop records one
 * sample per turn that wrote anything, the oldest record it wrote, taken after the flush.
 */
public interface DeliveryLatency {

    DeliveryLatency NONE = (recordTimestampMillis, writtenAtMillis) -> { };

    /** @param recordTimestampMillis the Kafka record's timestamp; @param writtenAtMillis when it was flushed */
    void sample(long recordTimestampMillis, long writtenAtMillis);
}
