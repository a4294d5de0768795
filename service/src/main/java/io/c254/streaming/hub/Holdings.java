package io.c254.streaming.hub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The topics one subscriber holds on its event loop: what its cursor covers. Subscribers holding the same
 * topics share one {@link TopicSet}, and so one cursor and one frame head per message. Loop only.
 */
final class Holdings {

    /** Subscriptions per topic: while one replaces another, a topic is held twice for a moment. */
    private final Map<String, Integer> topics = new HashMap<>(4);
    /** Each learns the set whenever it changes, so that a delivery finds it without coming here. */
    private final List<Subscription> members = new ArrayList<>(4);
    private TopicSet set;

    boolean isEmpty() {
        return topics.isEmpty();
    }

    void add(Subscription subscription, TopicSet.Interner sets) {
        members.add(subscription);
        if (topics.merge(subscription.topic(), 1, Integer::sum) == 1) {
            changed(sets);
        } else {
            subscription.topicSet(set);
        }
    }

    void remove(Subscription subscription, TopicSet.Interner sets) {
        members.remove(subscription);
        Integer left = topics.computeIfPresent(subscription.topic(), (t, n) -> n > 1 ? n - 1 : null);
        if (left == null) {
            changed(sets);
        }
    }

    private void changed(TopicSet.Interner sets) {
        TopicSet previous = set;
        set = topics.isEmpty() ? null : sets.intern(new ArrayList<>(topics.keySet()));
        for (Subscription member : members) {
            member.topicSet(set);
        }
        if (previous != null) {
            sets.release(previous);
        }
    }

}
