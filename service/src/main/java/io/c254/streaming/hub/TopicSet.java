package io.c254.streaming.hub;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of topics some subscribers of one event loop hold, and so the topics their cursor covers. The
 * cursor text of the message being written is kept here, so it is encoded once per message for all of
 * them. A subscriber whose position in a topic is its own (resuming, or values waiting) has a set of its
 * own until it is plain again (see {@link Resume}, {@link Conflation}). Loop only.
 */
final class TopicSet {

    private final List<String> topics;
    private final String[] sorted;
    /** Each topic as the cursor names it, encoded once. */
    private final byte[][] names;
    /** A subscriber's own set: its subscriptions that hold positions of their own, by topic; null for a shared set. */
    private final Map<String, Subscription> ownPositions;
    private int users;
    private long cursorMessage = -1;
    private final CursorText cursor = new CursorText();

    private TopicSet(List<String> sorted, Map<String, Subscription> ownPositions) {
        this.topics = List.copyOf(sorted);
        this.sorted = sorted.toArray(String[]::new);
        this.names = sorted.stream().map(Cursor::name).toArray(byte[][]::new);
        this.ownPositions = ownPositions;
    }

    /** The set of one subscriber whose position in some topics is its own (ownPositions, or values waiting): never shared. */
    static TopicSet own(List<String> topics, Map<String, Subscription> ownPositions) {
        return new TopicSet(topics.stream().sorted().toList(), Map.copyOf(ownPositions));
    }

    boolean shared() {
        return ownPositions == null;
    }

    /**
     * The cursor as of the loop's message number `message`, read off the loop's positions once per message
     * (an own set's every time: its ownPositions positions move between messages). Rewritten in place for the
     * next message: copy it out at once.
     */
    CursorText cursor(long message, Map<String, long[]> positions, Cursor.Out scratch) {
        if (ownPositions != null || cursorMessage != message) {
            Cursor.encode(sorted, names, positionsOf(positions), scratch, cursor);
            cursorMessage = message;
        }
        return cursor;
    }

    /** The cursor now, as text of its own. */
    String cursorNow(Map<String, long[]> positions, Cursor.Out scratch) {
        CursorText text = new CursorText();
        Cursor.encode(sorted, names, positionsOf(positions), scratch, text);
        return text.toString();
    }

    private Map<String, long[]> positionsOf(Map<String, long[]> positions) {
        if (ownPositions == null) {
            return positions;
        }
        Map<String, long[]> own = new HashMap<>(positions);
        ownPositions.forEach((topic, subscription) -> {
            long[] offsets = subscription.cursorOffsets(positions.get(topic));
            if (offsets != null) {
                own.put(topic, offsets);
            }
        });
        return own;
    }

    /** One loop's shared sets: subscribers holding the same topics share one; a set nobody holds is dropped. */
    static final class Interner {
        private final Map<List<String>, TopicSet> sets = new HashMap<>();

        TopicSet intern(List<String> topics) {
            List<String> sorted = topics.stream().sorted().toList();
            TopicSet set = sets.computeIfAbsent(sorted, s -> new TopicSet(s, null));
            set.users++;
            return set;
        }

        void release(TopicSet set) {
            if (set.shared() && --set.users == 0) {
                sets.remove(set.topics);
            }
        }

    }
}
