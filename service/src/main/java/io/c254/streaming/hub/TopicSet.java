package io.c254.streaming.hub;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of topics some subscribers of one event loop hold, and so the topics their cursor covers. The
 * cursor text of the message being written is kept here, so it is encoded once per message for all of
 * them. Loop only.
 */
final class TopicSet {

    private final List<String> topics;
    private final String[] sorted;
    /** Each topic as the cursor names it, encoded once. */
    private final byte[][] names;
    private int users;
    private long cursorMessage = -1;
    private final CursorText cursor = new CursorText();

    private TopicSet(List<String> sorted) {
        this.topics = List.copyOf(sorted);
        this.sorted = sorted.toArray(String[]::new);
        this.names = sorted.stream().map(Cursor::name).toArray(byte[][]::new);
    }

    List<String> topics() {
        return topics;
    }

    /**
     * The cursor as of the loop's message number `message`, read off the loop's positions once per message.
     * Rewritten in place for the next message: copy it out at once.
     */
    CursorText cursor(long message, Map<String, long[]> positions, Cursor.Out scratch) {
        if (cursorMessage != message) {
            Cursor.encode(sorted, names, positions, scratch, cursor);
            cursorMessage = message;
        }
        return cursor;
    }

    /** One loop's sets: subscribers holding the same topics share one; a set nobody holds is dropped. */
    static final class Interner {
        private final Map<List<String>, TopicSet> sets = new HashMap<>();

        TopicSet intern(List<String> topics) {
            List<String> sorted = topics.stream().sorted().toList();
            TopicSet set = sets.computeIfAbsent(sorted, TopicSet::new);
            set.users++;
            return set;
        }

        void release(TopicSet set) {
            if (--set.users == 0) {
                sets.remove(set.topics);
            }
        }

    }
}
