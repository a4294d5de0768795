package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.entitlements.EntitlementDecision;
import io.c254.streaming.entitlements.Entitlements;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.ResumeFrom;
import io.c254.streaming.hub.Subscription;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.SubscriptionOutcome.Refused;
import io.c254.streaming.session.SubscriptionOutcome.Subscribed;
import io.c254.streaming.session.SubscriptionOutcome.Unsubscribed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The rules between a session and the hub: the topic must be registered, the user entitled (failing
 * closed when nobody can say), a tenant-scoped topic is seen through the user's tenant only, a
 * connection holds a bounded number of topics, and each at most once (subscribing again replaces the
 * filter).
 *
 * <p>Every change is a command in the session's {@link CommandSequence}: it takes effect, and its answer
 * is given, after every command the connection sent before it, so the state a connection ends in is
 * the one a reader of its commands expects, and the limit counts every subscription, however the
 * commands arrive. Answers are given on the connection's event loop.
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

    /** Subscribes to the topics, in the order named, after the connection's earlier commands; one outcome per topic. */
    public void subscribe(Session session, List<String> topics, Filter filter, Consumer<List<SubscriptionOutcome>> answer) {
        subscribe(session, topics, filter, SubscribeOptions.LIVE, answer);
    }

    /**
     * As {@link #subscribe(Session, List, Filter, Consumer)}, each topic a resume cursor holds resuming from it:
     * the client first gets what it missed since, then live records. Topics the cursor does not hold start live.
     */
    public void subscribe(Session session, List<String> topics, Filter filter, SubscribeOptions options,
                          Consumer<List<SubscriptionOutcome>> answer) {
        session.commands().submit(() -> subscribeNow(session, topics, filter, options).thenAccept(answer),
                () -> answer.accept(busy(topics)));
    }

    /** The registry's default topics from live; those the user may not read are skipped without a word. */
    public void subscribeDefaults(Session session, Filter filter) {
        subscribeDefaults(session, filter, SubscribeOptions.LIVE);
    }

    /** The registry's default topics; those the user may not read are skipped without a word. */
    public void subscribeDefaults(Session session, Filter filter, SubscribeOptions options) {
        List<String> defaults = registry.defaultTopics().stream().map(TopicDefinition::name).toList();
        if (!defaults.isEmpty()) {
            subscribe(session, defaults, filter, options, outcomes -> { });
        }
    }

    /** On the connection's event loop, once a subscribe has been answered: its cursor over every topic it holds. */
    public String cursor(Session session) {
        return index.cursor(session.connection());
    }

    /** Unsubscribing from a registered topic one does not hold is not an error: the outcome is the same. */
    public void unsubscribe(Session session, List<String> topics, Consumer<List<SubscriptionOutcome>> answer) {
        session.commands().submit(() -> {
            answer.accept(unsubscribeNow(session, topics));
            return CompletableFuture.completedFuture(null);
        }, () -> answer.accept(busy(topics)));
    }

    /**
     * Within a command, on the event loop: asks about every topic at once, then applies the answers in the
     * order the topics were named, so the limit and a topic named twice come out as if asked one by one.
     * The stage completes on the loop.
     */
    CompletableFuture<List<SubscriptionOutcome>> subscribeNow(Session session, List<String> topics, Filter filter, SubscribeOptions options) {
        List<CompletableFuture<SubscriptionOutcome>> decisions = topics.stream().map(topic -> decide(session, topic, filter)).toList();
        return session.onLoop(CompletableFuture.allOf(decisions.toArray(CompletableFuture[]::new)))
                .thenApply(all -> {
                    List<SubscriptionOutcome> outcomes = new ArrayList<>(decisions.size());
                    for (CompletableFuture<SubscriptionOutcome> decision : decisions) {
                        outcomes.add(counted(apply(session, decision.join(), options)));
                    }
                    return outcomes;
                });
    }

    /** Within a command, on the event loop. */
    List<SubscriptionOutcome> unsubscribeNow(Session session, List<String> topics) {
        List<SubscriptionOutcome> outcomes = new ArrayList<>(topics.size());
        for (String topic : topics) {
            if (registry.find(topic).isEmpty()) {
                outcomes.add(unknownTopic(topic));
                continue;
            }
            Subscription removed = session.detach(topic);
            if (removed != null) {
                index.unsubscribe(removed);
            }
            outcomes.add(new Unsubscribed(topic));
        }
        return outcomes;
    }

    /**
     * What may be asked of the entitlements service: a refusal that needs no question, or the question's
     * answer as Subscribed (allowed, not yet attached) or Refused.
     */
    private CompletableFuture<SubscriptionOutcome> decide(Session session, String topic, Filter filter) {
        if (session.ended()) {
            return CompletableFuture.completedFuture(ended(session, topic));
        }
        Optional<TopicDefinition> definition = registry.find(topic);
        if (definition.isEmpty()) {
            return CompletableFuture.completedFuture(unknownTopic(topic));
        }
        if (session.subscriptionCount() >= maxPerConnection && !session.holds(topic)) {
            return CompletableFuture.completedFuture(limitReached(topic));
        }
        return entitlements.check(session.identity(), definition.get()).toCompletableFuture()
                .<SubscriptionOutcome>thenApply(decision -> switch (decision.verdict()) {
                    case ALLOWED -> new Subscribed(topic, filter);
                    case DENIED -> denied(topic, decision.requiredRole());
                    case UNAVAILABLE -> unavailable(topic);
                })
                .exceptionally(failure -> new Refused(topic, new Problem(ErrorCode.INTERNAL_ERROR,
                        "The subscription to " + topic + " could not be completed; try again", Map.of("topic", topic))));
    }

    /**
     * On the event loop, in the order the topics were named: as if each were asked alone, the limit comes
     * before what the entitlements said (only an unknown topic or an ended connection comes first), and an
     * allowed topic attaches.
     */
    private SubscriptionOutcome apply(Session session, SubscriptionOutcome decided, SubscribeOptions options) {
        if (decided instanceof Refused refused && refused.problem().code() == ErrorCode.UNKNOWN_TOPIC) {
            return decided;
        }
        if (session.ended()) {
            return ended(session, decided.topic());
        }
        if (session.subscriptionCount() >= maxPerConnection && !session.holds(decided.topic())) {
            return limitReached(decided.topic());
        }
        if (!(decided instanceof Subscribed allowed)) {
            return decided;
        }
        TopicDefinition topic = registry.find(allowed.topic()).orElseThrow();
        String tenant = topic.tenantScoped() ? session.tenantId() : null;
        long[] resumeFrom = options.resume() == null ? null : options.resume().next(topic.name());
        ResumeFrom from = null;
        if (resumeFrom != null) {
            metrics.resumed();
            from = new ResumeFrom(resumeFrom, new ResumeNotices(session.connection(), metrics));
        }
        Subscription replaced = session.attach(index.subscribe(session.connection(), topic.name(), tenant, allowed.filter(), from,
                options.maxRate()));
        if (replaced != null) {
            index.unsubscribe(replaced);
        }
        return allowed;
    }

    private SubscriptionOutcome counted(SubscriptionOutcome outcome) {
        switch (outcome) {
            case Refused refused -> metrics.subscriptionRefused(refused.problem().code());
            case Subscribed subscribed -> metrics.subscribed();
            case Unsubscribed unsubscribed -> { }
        }
        return outcome;
    }

    /**
     * Checks the session's topics again (decisions are cached, so this asks the entitlements service only
     * once a decision has expired) and removes those no longer allowed, telling the client. While nobody
     * can answer, live subscriptions stay: an outage is not a revocation. The questions are asked outside
     * the connection's commands (they must not wait for a sweep); a removal is a command, and only applies
     * if the identity asked about is still the connection's (a refresh in between is judged by itself).
     */
    public void recheck(Session session) {
        Identity asked = session.identity();
        for (String topic : session.topics()) {
            registry.find(topic).ifPresent(definition -> entitlements.check(asked, definition).thenAccept(decision -> {
                if (decision.verdict() == EntitlementDecision.Verdict.DENIED) {
                    session.commands().submit(() -> {
                        if (session.identity() == asked) {
                            revoke(session, topic);
                        }
                        return CompletableFuture.completedFuture(null);
                    }, () -> { /* a connection this far behind is checked again at the next sweep */ });
                }
            }));
        }
    }

    /** Within a command (a refresh), on the event loop: removes what the session's identity may no longer read. */
    CompletableFuture<Void> revokeWithdrawn(Session session) {
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (String topic : session.topics()) {
            registry.find(topic).ifPresent(definition -> checks.add(session.onLoop(
                    entitlements.check(session.identity(), definition).toCompletableFuture())
                    .thenAccept(decision -> {
                        if (decision.verdict() == EntitlementDecision.Verdict.DENIED) {
                            revoke(session, topic);
                        }
                    })));
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new));
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

    /** Drops every subscription of an ending session, at once: commands still waiting find it ended. On the event loop. */
    void release(Session session) {
        session.detachAll().forEach(index::unsubscribe);
    }

    private Refused unknownTopic(String topic) {
        String known = String.join(", ", registry.topics().stream().map(TopicDefinition::name).sorted().toList());
        return new Refused(topic, new Problem(ErrorCode.UNKNOWN_TOPIC,
                "Unknown topic " + topic + "; known topics: " + known, Map.of("topic", topic)));
    }

    private Refused limitReached(String topic) {
        return new Refused(topic, new Problem(ErrorCode.SUBSCRIPTION_LIMIT_REACHED,
                "A connection may hold at most " + maxPerConnection + " subscriptions; unsubscribe from one first",
                Map.of("topic", topic)));
    }

    private static Refused ended(Session session, String topic) {
        return new Refused(topic, new Problem(ErrorCode.UNKNOWN_CONNECTION,
                "Connection " + session.id() + " has ended; open a new stream", Map.of("topic", topic)));
    }

    private static Refused denied(String topic, String requiredRole) {
        return new Refused(topic, new Problem(ErrorCode.SUBSCRIPTION_DENIED,
                "Insufficient permissions for topic " + topic, Map.of("topic", topic, "required_role", requiredRole)));
    }

    private static Refused unavailable(String topic) {
        return new Refused(topic, new Problem(ErrorCode.ENTITLEMENTS_UNAVAILABLE,
                "Entitlements for topic " + topic + " cannot be checked right now; try again shortly", Map.of("topic", topic)));
    }

    private static List<SubscriptionOutcome> busy(List<String> topics) {
        Problem problem = CommandSequence.busy();
        return topics.stream().<SubscriptionOutcome>map(topic -> new Refused(topic, problem)).toList();
    }
}
