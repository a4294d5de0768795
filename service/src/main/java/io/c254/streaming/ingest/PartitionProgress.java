package io.c254.streaming.ingest;

/**
 * Where the live consumer stands in one partition, for the console.
 *
 * @param position the offset of the next record it will read
 * @param lag      records between that position and the partition's end, as the last fetch learned
 */
public record PartitionProgress(String topic, int partition, long position, long lag) {
}
