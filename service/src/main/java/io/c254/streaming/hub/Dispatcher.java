package io.c254.streaming.hub;

import java.util.List;

/** What a source of messages (the Kafka ingest) depends on: it hands each poll's batch here, in order. */
public interface Dispatcher {

    /** @param before where each partition stood before the batch, for the cursors of its records */
    void dispatch(List<Message> batch, Positions before);

    /** A batch whose source tells no positions: cursors cover the partitions its records and earlier ones came from. */
    default void dispatch(List<Message> batch) {
        dispatch(batch, Positions.NONE);
    }
}
