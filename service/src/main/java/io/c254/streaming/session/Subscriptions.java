package io.c254.streaming.session;

import io.c254.streaming.entitlements.EntitlementDecision;
import io.c254.streaming.entitlements.Entitlements;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.Subscription;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.metrics.StreamingMetrics;
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
 * The rules between a session and the hub: the topic must be registered, the user entitled (failing
 * closed when nobody can say), a tenant-scoped topic is seen through the user's tenant only, a
 * connection holds a bounded number of topics, and each at most once (subscribing again replaces the
 * filter).
 */
public final class Subscriptions {

    private final TopicRegistry registry;
    private final Entitlements entitlements;
    private final SubscriptionIndex index;
    private final int maxPerConnection;
    private final StreamingMetrics metrics;

    public Subscriptions(TopicRegistry registry, Entitlements entitlements, SubscriptionIndex index, int maxPerConnection,
                         StreamingMetrics metrics) {
        this.metrics = metrics;
        this.registry = registry;
        this.entitlements = entitlements;
        this.index = index;
        this.maxPerConnection = maxPerConnection;
    }

    public CompletionStage<SubscriptionOutcome> subscribe(Session session, String topic, Filter filter) {
        return decide(session, topic, filter).thenApply(this::counted);
    }

    private SubscriptionOutcome counted(SubscriptionOutcome outcome) {
        switch (outcome) {
            case Refused refused -> metrics.subscriptionRefused(refused.problem().code());
            case Subscribed subscribed -> metrics.subscribed();
            case Unsubscribed unsubscribed -> { }
        }
        return outcome;
    }

    private CompletionStage<SubscriptionOutcome> decide(Session session, String topic, Filter filter) {
        Optional<TopicDefinition> definition = registry.find(topic);
        if (definition.isEmpty()) {
            return CompletableFuture.completedFuture(unknownTopic(topic));
        }
        if (session.subscriptionCount() >= maxPerConnection && !session.topics().contains(topic)) {
            return CompletableFuture.completedFuture(new Refused(topic, new Problem(ErrorCode.SUBSCRIPTION_LIMIT_REACHED,
                    "A connection may hold at most " + maxPerConnection + " subscriptions; unsubscribe from one first",
                    Map.of("topic", topic))));
        }
        return entitlements.check(session.identity(), definition.get())
                .thenApply(decision -> switch (decision.verdict()) {
                    case ALLOWED -> attach(session, definition.get(), filter);
                    case DENIED -> denied(topic, decision.requiredRole());
                    case UNAVAILABLE -> unavailable(topic);
                });
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

    /**
     * Checks the session's topics again (decisions are cached, so this asks the entitlements service
     * only once a decision has expired) and removes those no longer allowed, telling the client. While
     * nobody can answer, live subscriptions stay: an outage is not a revocation.
     */
    public void recheck(Session session) {
        for (String topic : session.topics()) {
            registry.find(topic).ifPresent(definition -> entitlements.check(session.identity(), definition)
                    .thenAccept(decision -> {
                        if (decision.verdict() == EntitlementDecision.Verdict.DENIED) {
                            revoke(session, topic);
                        }
                    }));
        }
    }

    private void revoke(Session session, String topic) {
        Subscription removed = session.detach(topic);
        if (removed != null) {
            index.unsubscribe(removed);
            metrics.subscriptionRefused(ErrorCode.SUBSCRIPTION_REVOKED);
            session.connection().notify(new Problem(ErrorCode.SUBSCRIPTION_REVOKED,
                    "Access to topic " + topic + " was withdrawn; no more of its messages will be sent", Map.of("topic", topic)));
        }
    }

    /** Drops every subscription of a closing session; later attaches are undone at once. */
    public void release(Session session) {
        session.detachAll().forEach(index::unsubscribe);
    }

    private SubscriptionOutcome attach(Session session, TopicDefinition topic, Filter filter) {
        String tenant = topic.tenantScoped() ? session.identity().tenantId() : null;
        Subscription subscription = index.subscribe(session.connection(), topic.name(), tenant, filter);
        Subscription replaced = session.attach(subscription, () -> index.unsubscribe(subscription));
        if (replaced != null) {
            index.unsubscribe(replaced);
        }
        return new Subscribed(topic.name(), filter);
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

    private static Refused unavailable(String topic) {
        return new Refused(topic, new Problem(ErrorCode.ENTITLEMENTS_UNAVAILABLE,
                "Entitlements for topic " + topic + " cannot be checked right now; try again shortly", Map.of("topic", topic)));
    }
}
