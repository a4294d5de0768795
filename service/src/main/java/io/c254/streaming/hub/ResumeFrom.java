package io.c254.streaming.hub;

import java.util.List;

/**
 * Where a subscription begins when its client resumes: per partition of the topic, the offset of the next
 * record the client has not been given (a cursor's positions for the topic). Partitions the cursor does
 * not list were created after it, and are read from their start.
 *
 * @param listener told, on the subscriber's event loop, what cannot be replayed, before the records that can
 */
public record ResumeFrom(long[] next, Listener listener) {

    public ResumeFrom {
        next = next.clone();
    }

    @Override
    public long[] next() {
        return next.clone();
    }

    /** What a resuming client is told besides its records. */
    public interface Listener {

        /** Records of the topic removed (by retention) before they could be replayed: the client never gets them. */
        void onGap(String topic, List<Gap> missing);

        /**
         * The cursor is ahead of where partitions of the topic end (it came from a topic since recreated, or
         * was made up): those partitions go on from their end. Each gap spans the end to the cursor's offset.
         */
        void onAhead(String topic, List<Gap> beyondEnd);
    }
}
