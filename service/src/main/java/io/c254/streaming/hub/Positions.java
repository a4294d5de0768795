package io.c254.streaming.hub;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Per topic, the offset of the next record of each partition that the source has yet to hand over: where a
 * batch begins. The Kafka ingest takes one of these before each batch; an event loop carries it forward
 * through the batch's records, and each record's cursor is read off it (see {@link Cursor}).
 */
public final class Positions {

    public static final Positions NONE = new Positions(Map.of());

    private final Map<String, long[]> next;

    private Positions(Map<String, long[]> next) {
        this.next = next;
    }

    /** @param next per topic, the next offset of each partition, partition 0 first; copied */
    public static Positions of(Map<String, long[]> next) {
        Map<String, long[]> copy = new HashMap<>();
        next.forEach((topic, offsets) -> copy.put(topic, offsets.clone()));
        return new Positions(Collections.unmodifiableMap(copy));
    }

    /** Writes these positions over the given working copy (an event loop's), topic by topic. */
    void copyInto(Map<String, long[]> working) {
        next.forEach((topic, offsets) -> {
            long[] target = working.get(topic);
            if (target == null || target.length != offsets.length) {
                working.put(topic, offsets.clone());
            } else {
                System.arraycopy(offsets, 0, target, 0, offsets.length);
            }
        });
    }

    /**
     * Raises a working copy (an event loop's, idle while these were handed to others) to these positions
     * where they are further, partition by partition.
     */
    void raiseInto(Map<String, long[]> working) {
        next.forEach((topic, offsets) -> {
            for (int p = 0; p < offsets.length; p++) {
                long[] current = working.get(topic);
                if (current == null || current.length <= p || current[p] < offsets[p]) {
                    moveTo(working, topic, p, offsets[p]);
                }
            }
        });
    }

    /** Moves a working copy past one record: its partition's next offset is the one after it. */
    static void advance(Map<String, long[]> working, Message message) {
        moveTo(working, message.topic(), message.partition(), message.offset() + 1);
    }

    /** Sets a partition's next offset in a working copy (a source's or an event loop's), growing it as partitions appear. */
    public static void moveTo(Map<String, long[]> working, String topic, int partition, long next) {
        long[] offsets = working.get(topic);
        if (offsets == null || offsets.length <= partition) {
            offsets = offsets == null ? new long[partition + 1] : Arrays.copyOf(offsets, partition + 1);
            working.put(topic, offsets);
        }
        offsets[partition] = next;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Positions{");
        next.forEach((topic, offsets) -> text.append(topic).append('=').append(Arrays.toString(offsets)).append(' '));
        return text.append('}').toString();
    }
}
