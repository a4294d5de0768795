package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Who is subscribed to what: topic → {@link TopicSubscriptions}; on a tenant-scoped topic, each tenant
 * has subscriptions of its own, so a record can only ever be matched against its own tenant's
 * subscribers, whatever their filters say. Safe to use from any thread.
 */
public final class SubscriptionIndex {

    private final Map<Scope, TopicSubscriptions> scopes = new ConcurrentHashMap<>();

    /** A topic, or one tenant's share of a tenant-scoped topic (tenant null otherwise). */
    private record Scope(String topic, String tenant) {
    }

    public Subscription subscribe(Subscriber subscriber, String topic, Filter filter) {
        return subscribe(subscriber, topic, null, filter);
    }

    /** @param tenant the subscriber's tenant on a tenant-scoped topic; null on other topics */
    public Subscription subscribe(Subscriber subscriber, String topic, String tenant, Filter filter) {
        Subscription subscription = new Subscription(subscriber, topic, tenant, filter);
        scopes.computeIfAbsent(new Scope(topic, tenant), s -> new TopicSubscriptions()).add(subscription);
        return subscription;
    }

    public void unsubscribe(Subscription subscription) {
        subscription.end();
        TopicSubscriptions subscriptions = scopes.get(new Scope(subscription.topic(), subscription.tenant()));
        if (subscriptions != null) {
            subscriptions.remove(subscription);
        }
    }

    void forEachMatch(Message message, Consumer<Subscription> sink) {
        TopicSubscriptions subscriptions = scopes.get(new Scope(message.topic(), message.tenant()));
        if (subscriptions != null && subscriptions.size() > 0) {
            subscriptions.forEachMatch(message.value(), sink);
        }
    }

    /** Active subscriptions per topic (all tenants together), topics with none left out. */
    public Map<String, Integer> countsByTopic() {
        Map<String, Integer> counts = new TreeMap<>();
        scopes.forEach((scope, subscriptions) -> {
            int size = subscriptions.size();
            if (size > 0) {
                counts.merge(scope.topic(), size, Integer::sum);
            }
        });
        return counts;
    }
}
