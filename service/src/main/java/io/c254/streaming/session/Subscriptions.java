package io.c254.streaming.session;

import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.Subscription;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.SubscriptionOutcome.Refused;
import io.c254.streaming.session.SubscriptionOutcome.Subscribed;
import io.c254.streaming.session.SubscriptionOutcome.Unsubscribed;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The rules between a session and the hub: the topic must be registered, the user entitled, and a
 * topic is held at most once per session (subscribing again replaces the filter).
 */
public final class Subscriptions {

    private final TopicRegistry registry;
    private final Entitlements entitlements;
    private final SubscriptionIndex index;

    public Subscriptions(TopicRegistry registry, Entitlements entitlements, SubscriptionIndex index) {
        this.registry = registry;
        this.entitlements = entitlements;
        this.index = index;
    }

    public CompletionStage<SubscriptionOutcome> subscribe(Session session, String topic, Filter filter) {
        Optional<TopicDefinition> definition = registry.find(topic);
        if (definition.isEmpty()) {
            return CompletableFuture.completedFuture(unknownTopic(topic));
        }
        return entitlements.check(session.identity(), definition.get())
                .thenApply(decision -> decision.allowed()
                        ? attach(session, topic, filter)
                        : denied(topic, decision.requiredRole()));
    }

    /** The registry's default topics; those the user may not read are skipped without a word. */
    public void subscribeDefaults(Session session, Filter filter) {
        registry.defaultTopics().forEach(topic -> subscribe(session, topic.name(), filter));
    }

    /** Unsubscribing from a registered topic one does not hold is not an error: the outcome is the same. */
    public SubscriptionOutcome unsubscribe(Session session, String topic) {
        if (registry.find(topic).isEmpty()) {
            return unknownTopic(topic);
        }
        Subscription removed = session.detach(topic);
        if (removed != null) {
            index.unsubscribe(removed);
        }
        return new Unsubscribed(topic);
    }

    /** Drops every subscription of a closing session; later attaches are undone at once. */
    public void release(Session session) {
        session.detachAll().forEach(index::unsubscribe);
    }

    private SubscriptionOutcome attach(Session session, String topic, Filter filter) {
        Subscription subscription = index.subscribe(session.connection(), topic, filter);
        Subscription replaced = session.attach(subscription, () -> index.unsubscribe(subscription));
        if (replaced != null) {
            index.unsubscribe(replaced);
        }
        return new Subscribed(topic, filter);
    }

    private Refused unknownTopic(String topic) {
        String known = String.join(", ", registry.topics().stream().map(TopicDefinition::name).sorted().toList());
        return new Refused(topic, new Problem(ErrorCode.UNKNOWN_TOPIC,
                "Unknown topic " + topic + "; known topics: " + known, Map.of("topic", topic)));
    }

    private static Refused denied(String topic, String requiredRole) {
        return new Refused(topic, new Problem(ErrorCode.SUBSCRIPTION_DENIED,
                "Insufficient permissions for topic " + topic, Map.of("topic", topic, "required_role", requiredRole)));
    }
}
