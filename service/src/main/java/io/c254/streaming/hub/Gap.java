package io.c254.streaming.hub;

/**
 * Offsets of one partition a resuming client cannot be given, `from` up to (not including) `to`: removed by
 * retention before they could be read again, or, for a cursor ahead of the partition's end, never written.
 */
public record Gap(int partition, long from, long to) {

    public long count() {
        return to - from;
    }
}
