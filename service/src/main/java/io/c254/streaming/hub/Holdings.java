package io.c254.streaming.hub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The subscriptions one subscriber holds on its event loop, and so the topics its cursor covers.
 * Subscribers holding the same topics share one {@link TopicSet}, and so one cursor and one frame per
 * message. Loop only.
 */
final class Holdings {

    /** Each learns the set whenever it changes, so that a delivery finds it without coming here. */
    private final List<Subscription> members = new ArrayList<>(4);
    private TopicSet set;

    boolean isEmpty() {
        return members.isEmpty();
    }

    void add(Subscription subscription, TopicSet.Interner sets) {
        members.add(subscription);
        changed(sets);
    }

    void remove(Subscription subscription, TopicSet.Interner sets) {
        if (members.remove(subscription)) {
            changed(sets);
        }
    }

    TopicSet set() {
        return set;
    }

    /**
     * Subscribes, unsubscribes and the end of a resume are rare next to messages: the set is worked out
     * again from the members, an own one while any of them holds a position of its own (resuming, or values waiting).
     */
    void changed(TopicSet.Interner sets) {
        TopicSet previous = set;
        // while one subscription replaces another, a topic is held twice for a moment: it counts once
        List<String> topics = members.stream().map(Subscription::topic).distinct().toList();
        Map<String, Subscription> ownPositions = new HashMap<>();
        for (Subscription member : members) {
            if (member.ownsPosition()) {
                ownPositions.put(member.topic(), member);
            }
        }
        set = members.isEmpty() ? null : ownPositions.isEmpty() ? sets.intern(topics) : TopicSet.own(topics, ownPositions);
        for (Subscription member : members) {
            member.topicSet(set);
        }
        if (previous != null) {
            sets.release(previous);
        }
    }
}
