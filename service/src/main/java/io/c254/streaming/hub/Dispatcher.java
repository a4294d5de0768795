package io.c254.streaming.hub;

import java.util.List;

/** What a source of messages (the Kafka ingest) depends on: it hands each poll's batch here, in order. */
public interface Dispatcher {
    void dispatch(List<Message> batch);
}
