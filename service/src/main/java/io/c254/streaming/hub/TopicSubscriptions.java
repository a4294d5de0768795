package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The subscriptions of one topic on one event loop, indexed so that matching a record costs what it
 * delivers: unfiltered subscriptions, and filtered ones under one field and each of that field's values.
 * A record only visits the sets its own field values select; the rest of the filter is checked on those
 * candidates alone. Owned by one event loop: no locks, no concurrent collections.
 */
final class TopicSubscriptions {

    /** Where matches go; an interface rather than a lambda, so that matching allocates nothing. */
    interface Matches {
        void onMatch(Subscription subscription);
    }

    private final Set<Subscription> unfiltered = new HashSet<>();
    /** field → canonical value → subscriptions indexed under that value. */
    private final Map<String, Map<String, Set<Subscription>>> byFieldValue = new HashMap<>();
    private int size;

    void add(Subscription subscription) {
        Filter filter = subscription.filter();
        boolean added;
        if (filter.isEmpty()) {
            added = unfiltered.add(subscription);
        } else {
            String field = filter.indexField();
            Map<String, Set<Subscription>> byValue = byFieldValue.computeIfAbsent(field, f -> new HashMap<>());
            added = false;
            for (String value : filter.allowed().get(field)) {
                added |= byValue.computeIfAbsent(value, v -> new HashSet<>()).add(subscription);
            }
        }
        if (added) {
            size++;
        }
    }

    void remove(Subscription subscription) {
        Filter filter = subscription.filter();
        boolean removed;
        if (filter.isEmpty()) {
            removed = unfiltered.remove(subscription);
        } else {
            removed = false;
            String field = filter.indexField();
            Map<String, Set<Subscription>> byValue = byFieldValue.get(field);
            if (byValue != null) {
                for (String value : filter.allowed().get(field)) {
                    Set<Subscription> set = byValue.get(value);
                    if (set != null && set.remove(subscription)) {
                        removed = true;
                        if (set.isEmpty()) {
                            byValue.remove(value);
                        }
                    }
                }
                if (byValue.isEmpty()) {
                    byFieldValue.remove(field);
                }
            }
        }
        if (removed) {
            size--;
        }
    }

    int size() {
        return size;
    }

    void forEachMatch(ObjectNode value, Matches sink) {
        for (Subscription subscription : unfiltered) {
            sink.onMatch(subscription);
        }
        if (byFieldValue.isEmpty()) {
            return;
        }
        for (Map.Entry<String, Map<String, Set<Subscription>>> field : byFieldValue.entrySet()) {
            String key = ValueKey.of(value.get(field.getKey()));
            Set<Subscription> candidates = key == null ? null : field.getValue().get(key);
            if (candidates != null) {
                for (Subscription candidate : candidates) {
                    if (candidate.filter().matches(value)) {
                        sink.onMatch(candidate);
                    }
                }
            }
        }
    }
}
