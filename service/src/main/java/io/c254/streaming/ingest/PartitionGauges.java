package io.c254.streaming.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the live consumer stands in one partition, written by the ingest thread after each poll and
 * read by others: the `kafka_consumer_lag` gauge and the console.
 */
final class PartitionGauges {

    /** The offset of the next record the consumer reads. */
    final AtomicLong position = new AtomicLong();
    /** Records between that position and the partition's end, as the last fetch learned. */
    final AtomicLong lag = new AtomicLong();

    long lag() {
        return lag.get();
    }
}
