package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Who is subscribed to what: topic → {@link TopicSubscriptions}. Safe to use from any thread. */
public final class SubscriptionIndex {

    private final Map<String, TopicSubscriptions> topics = new ConcurrentHashMap<>();

    public Subscription subscribe(Subscriber subscriber, String topic, Filter filter) {
        Subscription subscription = new Subscription(subscriber, topic, filter);
        topics.computeIfAbsent(topic, t -> new TopicSubscriptions()).add(subscription);
        return subscription;
    }

    public void unsubscribe(Subscription subscription) {
        TopicSubscriptions subscriptions = topics.get(subscription.topic());
        if (subscriptions != null) {
            subscriptions.remove(subscription);
        }
    }

    void forEachMatch(Message message, Consumer<Subscription> sink) {
        TopicSubscriptions subscriptions = topics.get(message.topic());
        if (subscriptions != null && subscriptions.size() > 0) {
            subscriptions.forEachMatch(message.value(), sink);
        }
    }

    /** Active subscriptions per topic, topics with none left out. */
    public Map<String, Integer> countsByTopic() {
        Map<String, Integer> counts = new TreeMap<>();
        topics.forEach((topic, subscriptions) -> {
            int size = subscriptions.size();
            if (size > 0) {
                counts.put(topic, size);
            }
        });
        return counts;
    }
}
