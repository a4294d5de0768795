package io.c254.streaming.session;

import io.c254.streaming.hub.Cursor;

/**
 * How a client wants its subscriptions to start and run, beyond the topics and filters.
 *
 * @param resume  the cursor of the last message it processed: each topic the cursor holds first replays what
 *                was missed since; null to start live
 * @param maxRate the most messages a second it wants of each `latest` topic, faster updates conflated to the
 *                newest value per key; 0 for no cap
 */
public record SubscribeOptions(Cursor resume, int maxRate) {

    /** The most a client may ask for: above it a cap is no cap. */
    public static final int MAX_RATE = 10_000;

    public static final SubscribeOptions LIVE = new SubscribeOptions(null, 0);

    public SubscribeOptions {
        if (maxRate < 0 || maxRate > MAX_RATE) {
            throw new IllegalArgumentException("maxRate must be 0 to " + MAX_RATE + ", was " + maxRate);
        }
    }
}
