package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The subscriptions of one topic, indexed so that matching a record costs what it delivers: unfiltered
 * subscriptions, and filtered ones under one field and each of that field's values. A record only visits
 * the sets its own field values select; the rest of the filter is checked on those candidates alone.
 */
final class TopicSubscriptions {

    private final Set<Subscription> unfiltered = ConcurrentHashMap.newKeySet();
    /** field → canonical value → subscriptions indexed under that value. */
    private final Map<String, Map<String, Set<Subscription>>> byFieldValue = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    void add(Subscription subscription) {
        Filter filter = subscription.filter();
        if (filter.isEmpty()) {
            unfiltered.add(subscription);
        } else {
            String field = filter.indexField();
            Map<String, Set<Subscription>> byValue = byFieldValue.computeIfAbsent(field, f -> new ConcurrentHashMap<>());
            for (String value : filter.allowed().get(field)) {
                // compute() holds the bin lock, so an add never lands in a set that a remove is dropping
                byValue.compute(value, (v, set) -> {
                    Set<Subscription> target = set == null ? ConcurrentHashMap.newKeySet() : set;
                    target.add(subscription);
                    return target;
                });
            }
        }
        size.incrementAndGet();
    }

    void remove(Subscription subscription) {
        Filter filter = subscription.filter();
        boolean removed;
        if (filter.isEmpty()) {
            removed = unfiltered.remove(subscription);
        } else {
            removed = false;
            Map<String, Set<Subscription>> byValue = byFieldValue.get(filter.indexField());
            if (byValue != null) {
                for (String value : filter.allowed().get(filter.indexField())) {
                    boolean[] found = {false};
                    byValue.computeIfPresent(value, (v, set) -> {
                        found[0] = set.remove(subscription);
                        return set.isEmpty() ? null : set;
                    });
                    removed |= found[0];
                }
            }
        }
        if (removed) {
            size.decrementAndGet();
        }
    }

    int size() {
        return size.get();
    }

    void forEachMatch(ObjectNode value, Consumer<Subscription> sink) {
        unfiltered.forEach(sink);
        if (byFieldValue.isEmpty()) {
            return;
        }
        for (Map.Entry<String, Map<String, Set<Subscription>>> field : byFieldValue.entrySet()) {
            String key = ValueKey.of(value.get(field.getKey()));
            Set<Subscription> candidates = key == null ? null : field.getValue().get(key);
            if (candidates != null) {
                for (Subscription candidate : candidates) {
                    if (candidate.filter().matches(value)) {
                        sink.accept(candidate);
                    }
                }
            }
        }
    }
}
