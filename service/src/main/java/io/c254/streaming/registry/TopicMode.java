package io.c254.streaming.registry;

/** How a topic's records are meant: every record matters, or only the newest per key. */
public enum TopicMode {
    /** Every record is an event; slow clients must not skip any. */
    STREAM,
    /** Each record replaces the previous value of its key; the newest value per key is what matters. */
    LATEST
}
