package io.c254.streaming.session;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.entitlements.EntitlementDecision;
import io.c254.streaming.entitlements.Entitlements;
import io.c254.streaming.entitlements.LayeredEntitlements;
import io.c254.streaming.entitlements.RemoteEntitlements;
import io.c254.streaming.entitlements.RoleEntitlements;
import io.c254.streaming.hub.FanOut;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.SubscriptionOutcome.Refused;
import io.c254.streaming.session.SubscriptionOutcome.Subscribed;
import io.c254.streaming.session.SubscriptionOutcome.Unsubscribed;
import io.c254.streaming.testing.CapturedLogs;
import io.c254.streaming.testing.TestEntitlementsService;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.c254.streaming.registry.TopicRegistry.CURVE_UPDATES;
import static io.c254.streaming.registry.TopicRegistry.LATEST_PRICES;
import static io.c254.streaming.registry.TopicRegistry.MARKET_DATA;
import static org.assertj.core.api.Assertions.assertThat;

/** The rules between a connection and the hub, seen through what reaches the connection. */
class SubscriptionsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String KNOWN = "known topics: market.data.updates.v1, pricing.curve.updates.v1, served.market.latest_prices.v1";
    private static final Identity ALICE = new Identity("alice", "acme", Set.of("analyst"), false);

    private final TopicRegistry registry = TopicRegistry.load(ConfigLoader.load(Map.of()));
    private final ScriptedEntitlements entitlements = new ScriptedEntitlements();
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final FanOut fanOut = new FanOut(index, UnpooledByteBufAllocator.DEFAULT);
    private final StreamingMetrics metrics = new StreamingMetrics();
    private final SessionRegistry sessions = new SessionRegistry(ConfigLoader.load(Map.of()).limits());
    private final Subscriptions subscriptions = new Subscriptions(registry, entitlements, index, 2, metrics);

    /** A command that throws is logged and skipped so that later ones still run; here, none may. */
    private final CapturedLogs commandFailures = CapturedLogs.of(CommandSequence.class.getName(), Level.ERROR);

    @AfterEach
    void noCommandFailed() {
        commandFailures.close();
        assertThat(commandFailures.events()).as("commands that failed").isEmpty();
    }

    @Test
    void subscribedConnectionGetsTheTopicsRecordsThatPassItsFilter() {
        Session session = open(ALICE);
        Filter oil = filter("{\"c\":\"oil\"}");

        SubscriptionOutcome outcome = outcome(subscribe(subscriptions, session, CURVE_UPDATES, oil));

        assertThat(outcome).isEqualTo(new Subscribed(CURVE_UPDATES, oil));
        assertThat(session.topics()).containsExactly(CURVE_UPDATES);
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{\"c\":\"oil\"}"), record(CURVE_UPDATES, 2, "{\"c\":\"gas\"}"),
                record(MARKET_DATA, 3, "{\"c\":\"oil\"}")));
        assertThat(received(session)).containsExactly(CURVE_UPDATES + "|1");
        assertThat(entitlements.asked).containsExactly("alice@acme:" + CURVE_UPDATES);
        assertThat(subscriptionsMade()).isEqualTo(1);
    }

    @Test
    void unknownTopicIsRefusedNamingTheKnownOnesWithoutAskingEntitlements() {
        Session session = open(ALICE);

        SubscriptionOutcome outcome = outcome(subscribe(subscriptions, session, "weather.v1", Filter.none()));

        assertThat(outcome).isEqualTo(new Refused("weather.v1", new Problem(ErrorCode.UNKNOWN_TOPIC,
                "Unknown topic weather.v1; " + KNOWN, Map.of("topic", "weather.v1"))));
        assertThat(entitlements.asked).isEmpty();
        assertThat(session.topics()).isEmpty();
        assertThat(refusals(ErrorCode.UNKNOWN_TOPIC)).isEqualTo(1);
        assertThat(subscriptionsMade()).isZero();
    }

    @Test
    void aConnectionHoldsAtMostTheLimitOfTopics() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        outcome(subscribe(subscriptions, session, MARKET_DATA, Filter.none()));

        SubscriptionOutcome third = outcome(subscribe(subscriptions, session, LATEST_PRICES, Filter.none()));

        assertThat(third).isEqualTo(new Refused(LATEST_PRICES, new Problem(ErrorCode.SUBSCRIPTION_LIMIT_REACHED,
                "A connection may hold at most 2 subscriptions; unsubscribe from one first", Map.of("topic", LATEST_PRICES))));
        assertThat(entitlements.asked).doesNotContain("alice@acme:" + LATEST_PRICES);
        assertThat(refusals(ErrorCode.SUBSCRIPTION_LIMIT_REACHED)).isEqualTo(1);
        fanOut.dispatch(List.of(record(LATEST_PRICES, 1, "{}")));
        assertThat(received(session)).isEmpty();

        unsubscribe(subscriptions, session, MARKET_DATA);
        assertThat(outcome(subscribe(subscriptions, session, LATEST_PRICES, Filter.none()))).isInstanceOf(Subscribed.class);
    }

    @Test
    void aConnectionAtItsLimitMayStillChangeTheFilterOfATopicItHolds() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, filter("{\"c\":\"oil\"}")));
        outcome(subscribe(subscriptions, session, MARKET_DATA, Filter.none()));
        Filter gas = filter("{\"c\":\"gas\"}");

        assertThat(outcome(subscribe(subscriptions, session, CURVE_UPDATES, gas))).isEqualTo(new Subscribed(CURVE_UPDATES, gas));
    }

    @Test
    void subscribingAgainReplacesTheFilterWithoutDuplicates() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, filter("{\"c\":\"oil\"}")));

        outcome(subscribe(subscriptions, session, CURVE_UPDATES, filter("{\"c\":[\"gas\",\"oil\"]}")));
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, filter("{\"c\":\"gas\"}")));

        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{\"c\":\"oil\"}"), record(CURVE_UPDATES, 2, "{\"c\":\"gas\"}")));
        assertThat(received(session)).containsExactly(CURVE_UPDATES + "|2");
        assertThat(session.subscriptionCount()).isEqualTo(1);
        assertThat(index.countsByTopic()).isEqualTo(Map.of(CURVE_UPDATES, 1));
    }

    @Test
    void deniedTopicGetsSubscriptionDeniedNamingTheRoleAndNoData() {
        Session session = open(ALICE);
        entitlements.answer(CURVE_UPDATES, EntitlementDecision.denied("desk_head"));

        SubscriptionOutcome outcome = outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));

        assertThat(outcome).isEqualTo(new Refused(CURVE_UPDATES, new Problem(ErrorCode.SUBSCRIPTION_DENIED,
                "Insufficient permissions for topic " + CURVE_UPDATES, Map.of("topic", CURVE_UPDATES, "required_role", "desk_head"))));
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(session)).isEmpty();
        assertThat(session.topics()).isEmpty();
        assertThat(refusals(ErrorCode.SUBSCRIPTION_DENIED)).isEqualTo(1);
    }

    @Test
    void topicNobodyCanDecideOnIsRefusedAsUnavailable() {
        Session session = open(ALICE);
        entitlements.answer(CURVE_UPDATES, EntitlementDecision.UNAVAILABLE);

        SubscriptionOutcome outcome = outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));

        assertThat(outcome).isEqualTo(new Refused(CURVE_UPDATES, new Problem(ErrorCode.ENTITLEMENTS_UNAVAILABLE,
                "Entitlements for topic " + CURVE_UPDATES + " cannot be checked right now; try again shortly",
                Map.of("topic", CURVE_UPDATES))));
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(session)).isEmpty();
        assertThat(refusals(ErrorCode.ENTITLEMENTS_UNAVAILABLE)).isEqualTo(1);
    }

    @Test
    void anEntitlementsServiceSlowerThanItsTimeoutRefusesTheSubscriptionAsUnavailable() throws IOException {
        try (TestEntitlementsService service = TestEntitlementsService.start()) {
            service.allow(CURVE_UPDATES);
            service.holdAnswers();
            RemoteEntitlements remote = new RemoteEntitlements(ConfigLoader.load(Map.of("ACCESS_ENTITLEMENTS_SERVICE_URL", service.url(),
                    "ACCESS_ENTITLEMENTS_TIMEOUT_MS", "100")).entitlements());
            Subscriptions withService = new Subscriptions(registry, new LayeredEntitlements(new RoleEntitlements(), remote), index, 10, metrics);
            Session session = open(ALICE);

            SubscriptionOutcome outcome = outcome(subscribe(withService, session, CURVE_UPDATES, Filter.none()));

            assertThat(outcome).isInstanceOfSatisfying(Refused.class,
                    refused -> assertThat(refused.problem().code()).isEqualTo(ErrorCode.ENTITLEMENTS_UNAVAILABLE));
            fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
            assertThat(received(session)).isEmpty();
        }
    }

    @Test
    void unsubscribedTopicSendsNothingMore() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        outcome(subscribe(subscriptions, session, MARKET_DATA, Filter.none()));

        SubscriptionOutcome outcome = unsubscribe(subscriptions, session, CURVE_UPDATES);

        assertThat(outcome).isEqualTo(new Unsubscribed(CURVE_UPDATES));
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}"), record(MARKET_DATA, 2, "{}")));
        assertThat(received(session)).containsExactly(MARKET_DATA + "|2");
        assertThat(session.topics()).containsExactly(MARKET_DATA);
        assertThat(index.countsByTopic()).isEqualTo(Map.of(MARKET_DATA, 1));
    }

    @Test
    void unsubscribingFromARegisteredTopicNotHeldIsAcknowledged() {
        Session session = open(ALICE);
        Session other = open(new Identity("bob", "acme", Set.of("analyst"), false));
        outcome(subscribe(subscriptions, other, CURVE_UPDATES, Filter.none()));

        assertThat(unsubscribe(subscriptions, session, CURVE_UPDATES)).isEqualTo(new Unsubscribed(CURVE_UPDATES));
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(other)).containsExactly(CURVE_UPDATES + "|1");
    }

    @Test
    void unsubscribingFromAnUnknownTopicIsRefusedNamingTheKnownOnes() {
        assertThat(unsubscribe(subscriptions, open(ALICE), "weather.v1")).isEqualTo(new Refused("weather.v1",
                new Problem(ErrorCode.UNKNOWN_TOPIC, "Unknown topic weather.v1; " + KNOWN, Map.of("topic", "weather.v1"))));
    }

    @Test
    void recordOfATenantScopedTopicReachesOnlyItsOwnTenant(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("topics.yaml"), """
                topics:
                  - name: positions.v1
                    tenant_scoped: true
                """);
        TopicRegistry scoped = TopicRegistry.load(ConfigLoader.load(Map.of("ACCESS_TOPIC_REGISTRY_FILE", file.toString())));
        Subscriptions withTenants = new Subscriptions(scoped, entitlements, index, 10, metrics);
        Session acme = open(ALICE);
        Session globex = open(new Identity("alice", "globex", Set.of(), false));
        outcome(subscribe(withTenants, acme, "positions.v1", Filter.none()));
        outcome(subscribe(withTenants, globex, "positions.v1", Filter.none()));

        fanOut.dispatch(List.of(record("positions.v1", 1, "{}", "acme"), record("positions.v1", 2, "{}", "globex"),
                record("positions.v1", 3, "{}", "initech")));

        assertThat(received(acme)).containsExactly("positions.v1|1");
        assertThat(received(globex)).containsExactly("positions.v1|2");
    }

    @Test
    void recheckRevokesOnlyWhatIsDeniedAndTellsTheClient() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        outcome(subscribe(subscriptions, session, MARKET_DATA, Filter.none()));
        entitlements.answer(CURVE_UPDATES, EntitlementDecision.denied("desk_head"));

        subscriptions.recheck(session);

        assertThat(connection(session).notices).containsExactly(new Problem(ErrorCode.SUBSCRIPTION_REVOKED,
                "Access to topic " + CURVE_UPDATES + " was withdrawn; no more of its messages will be sent", Map.of("topic", CURVE_UPDATES)));
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}"), record(MARKET_DATA, 2, "{}")));
        assertThat(received(session)).containsExactly(MARKET_DATA + "|2");
        assertThat(session.topics()).containsExactly(MARKET_DATA);
        assertThat(refusals(ErrorCode.SUBSCRIPTION_REVOKED)).isEqualTo(1);
    }

    @Test
    void recheckWhileAllowedChangesNothing() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));

        subscriptions.recheck(session);

        assertThat(entitlements.asked).containsExactly("alice@acme:" + CURVE_UPDATES, "alice@acme:" + CURVE_UPDATES);
        assertThat(connection(session).notices).isEmpty();
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(session)).containsExactly(CURVE_UPDATES + "|1");
    }

    @Test
    void anOutageDuringARecheckLeavesLiveSubscriptionsAlone() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        entitlements.answer(CURVE_UPDATES, EntitlementDecision.UNAVAILABLE);

        subscriptions.recheck(session);

        assertThat(connection(session).notices).isEmpty();
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(session)).containsExactly(CURVE_UPDATES + "|1");
        assertThat(refusals(ErrorCode.SUBSCRIPTION_REVOKED)).isZero();
    }

    @Test
    void recheckAfterARefreshJudgesTheNewRoles() {
        Subscriptions byRoles = new Subscriptions(registry, new RoleEntitlements(), index, 10, metrics);
        Session session = open(new Identity("alice", "acme", Set.of("analyst"), false));
        outcome(subscribe(byRoles, session, CURVE_UPDATES, Filter.none()));
        outcome(subscribe(byRoles, session, LATEST_PRICES, Filter.none()));

        session.refresh(new Identity("alice", "acme", Set.of("viewer"), false), Instant.parse("2031-01-01T00:00:00Z"));
        byRoles.recheck(session);

        assertThat(connection(session).notices).extracting(Problem::code).containsExactly(ErrorCode.SUBSCRIPTION_REVOKED);
        assertThat(session.topics()).containsExactly(LATEST_PRICES);
    }

    @Test
    void aDenialArrivingAfterTheClientLeftTheTopicTellsItNothing() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        CompletableFuture<EntitlementDecision> answer = entitlements.hold(CURVE_UPDATES);
        subscriptions.recheck(session);

        unsubscribe(subscriptions, session, CURVE_UPDATES);
        answer.complete(EntitlementDecision.denied("desk_head"));

        assertThat(connection(session).notices).isEmpty();
        assertThat(refusals(ErrorCode.SUBSCRIPTION_REVOKED)).isZero();
    }

    @Test
    void releaseEndsEverySubscriptionOfAClosingConnection() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        outcome(subscribe(subscriptions, session, MARKET_DATA, filter("{\"c\":\"oil\"}")));

        subscriptions.release(session);

        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}"), record(MARKET_DATA, 2, "{\"c\":\"oil\"}")));
        assertThat(received(session)).isEmpty();
        assertThat(session.topics()).isEmpty();
        assertThat(index.countsByTopic()).isEmpty();
    }

    @Test
    void aSubscriptionAllowedAfterTheConnectionClosedIsUndone() {
        Session session = open(ALICE);
        CompletableFuture<EntitlementDecision> answer = entitlements.hold(CURVE_UPDATES);
        CompletionStage<SubscriptionOutcome> pending = subscribe(subscriptions, session, CURVE_UPDATES, Filter.none());

        subscriptions.release(session);
        answer.complete(EntitlementDecision.ALLOWED);

        outcome(pending);
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(session)).isEmpty();
        assertThat(session.topics()).isEmpty();
        assertThat(index.countsByTopic()).isEmpty();
    }

    @Test
    void defaultTopicsAreSubscribedWithTheGivenFilter() {
        Session session = open(ALICE);

        subscriptions.subscribeDefaults(session, filter("{\"c\":\"oil\"}"));

        assertThat(session.topics()).containsExactly(LATEST_PRICES);
        fanOut.dispatch(List.of(record(LATEST_PRICES, 1, "{\"c\":\"oil\"}"), record(LATEST_PRICES, 2, "{\"c\":\"gas\"}")));
        assertThat(received(session)).containsExactly(LATEST_PRICES + "|1");
    }

    @Test
    void deniedDefaultTopicIsSkippedWithoutAWord() {
        Session session = open(ALICE);
        entitlements.answer(LATEST_PRICES, EntitlementDecision.denied("viewer"));

        subscriptions.subscribeDefaults(session, Filter.none());

        assertThat(session.topics()).isEmpty();
        assertThat(connection(session).notices).isEmpty();
        assertThat(entitlements.asked).containsExactly("alice@acme:" + LATEST_PRICES);
    }

    @Test
    void anUnsubscribeSentWhileASubscribeWaitsForItsAnswerTakesEffectAfterIt() {
        Session session = open(ALICE);
        CompletableFuture<EntitlementDecision> answer = entitlements.hold(CURVE_UPDATES);
        List<SubscriptionOutcome> answers = new CopyOnWriteArrayList<>();
        subscriptions.subscribe(session, List.of(CURVE_UPDATES), Filter.none(), answers::addAll);
        subscriptions.unsubscribe(session, List.of(CURVE_UPDATES), answers::addAll);

        assertThat(answers).as("nothing is answered out of turn").isEmpty();
        answer.complete(EntitlementDecision.ALLOWED);

        assertThat(answers).containsExactly(new Subscribed(CURVE_UPDATES, Filter.none()), new Unsubscribed(CURVE_UPDATES));
        assertThat(session.topics()).isEmpty();
        fanOut.dispatch(List.of(record(CURVE_UPDATES, 1, "{}")));
        assertThat(received(session)).isEmpty();
    }

    @Test
    void theDefaultSubscriptionTakesEffectBeforeAnUnsubscribeSentRightAfterConnecting() {
        Session session = open(ALICE);
        CompletableFuture<EntitlementDecision> answer = entitlements.hold(LATEST_PRICES);
        subscriptions.subscribeDefaults(session, Filter.none());
        List<SubscriptionOutcome> answers = new CopyOnWriteArrayList<>();
        subscriptions.unsubscribe(session, List.of(LATEST_PRICES), answers::addAll);

        answer.complete(EntitlementDecision.ALLOWED);

        assertThat(answers).containsExactly(new Unsubscribed(LATEST_PRICES));
        assertThat(session.topics()).isEmpty();
        fanOut.dispatch(List.of(record(LATEST_PRICES, 1, "{}")));
        assertThat(received(session)).isEmpty();
    }

    @Test
    void theLimitCountsASubscriptionStillWaitingForItsAnswer() {
        Session session = open(ALICE);
        CompletableFuture<EntitlementDecision> defaultAnswer = entitlements.hold(LATEST_PRICES);
        subscriptions.subscribeDefaults(session, Filter.none());
        List<SubscriptionOutcome> answers = new CopyOnWriteArrayList<>();
        // one frame naming two new topics on top of the default one, at a limit of 2
        subscriptions.subscribe(session, List.of(CURVE_UPDATES, MARKET_DATA), Filter.none(), answers::addAll);

        defaultAnswer.complete(EntitlementDecision.ALLOWED);

        assertThat(answers).containsExactly(new Subscribed(CURVE_UPDATES, Filter.none()), limitReached(MARKET_DATA));
        assertThat(session.topics()).containsExactly(CURVE_UPDATES, LATEST_PRICES);
        assertThat(entitlements.asked).as("both topics of the frame are asked about at once; the limit applies in the order named")
                .containsExactly("alice@acme:" + LATEST_PRICES, "alice@acme:" + CURVE_UPDATES, "alice@acme:" + MARKET_DATA);
    }

    @Test
    void twoSingleTopicSubscribesSentBackToBackStayWithinTheLimit() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, LATEST_PRICES, Filter.none()));
        CompletableFuture<EntitlementDecision> curve = entitlements.hold(CURVE_UPDATES);
        CompletableFuture<SubscriptionOutcome> first = subscribe(subscriptions, session, CURVE_UPDATES, Filter.none());
        CompletableFuture<SubscriptionOutcome> second = subscribe(subscriptions, session, MARKET_DATA, Filter.none());

        assertThat(entitlements.asked).as("the second waits for the first before it is even checked")
                .doesNotContain("alice@acme:" + MARKET_DATA);
        curve.complete(EntitlementDecision.ALLOWED);

        assertThat(outcome(first)).isEqualTo(new Subscribed(CURVE_UPDATES, Filter.none()));
        assertThat(outcome(second)).isEqualTo(limitReached(MARKET_DATA));
        assertThat(session.subscriptionCount()).isEqualTo(2);
    }

    @Test
    void aTopicNamedTwiceInOneFrameIsHeldOnceWithTheLastAnswer() {
        Session session = open(ALICE);
        List<SubscriptionOutcome> answers = new CopyOnWriteArrayList<>();

        subscriptions.subscribe(session, List.of(CURVE_UPDATES, CURVE_UPDATES), Filter.none(), answers::addAll);

        assertThat(answers).hasSize(2).allMatch(Subscribed.class::isInstance);
        assertThat(index.countsByTopic()).isEqualTo(Map.of(CURVE_UPDATES, 1));
    }

    @Test
    void aSubscribeAfterTheConnectionEndedIsRefusedWithoutAskingAnyone() {
        Session session = open(ALICE);
        subscriptions.release(session);

        assertThat(outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none())))
                .isInstanceOfSatisfying(Refused.class, refused -> assertThat(refused.problem().code()).isEqualTo(ErrorCode.UNKNOWN_CONNECTION));
        assertThat(entitlements.asked).isEmpty();
        assertThat(index.countsByTopic()).isEmpty();
    }

    @Test
    void aRevocationFoundForAnIdentityTheConnectionNoLongerHasIsNotApplied() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        CompletableFuture<EntitlementDecision> answer = entitlements.hold(CURVE_UPDATES);
        subscriptions.recheck(session);

        session.refresh(new Identity("alice", "acme", Set.of("desk_head"), false), Instant.parse("2031-01-01T00:00:00Z"));
        answer.complete(EntitlementDecision.denied("desk_head"));

        assertThat(connection(session).notices).isEmpty();
        assertThat(session.topics()).containsExactly(CURVE_UPDATES);
    }

    @Test
    void inOneFrameTheLimitComesBeforeADenialAndAnUnknownTopicStaysUnknown() {
        Session session = open(ALICE);
        outcome(subscribe(subscriptions, session, LATEST_PRICES, Filter.none()));
        entitlements.answer(MARKET_DATA, EntitlementDecision.denied("desk_head"));
        List<SubscriptionOutcome> answers = new CopyOnWriteArrayList<>();

        // the first topic takes the last slot: read one by one, the next two meet the limit, or are unknown
        subscriptions.subscribe(session, List.of(CURVE_UPDATES, MARKET_DATA, "weather.v1"), Filter.none(), answers::addAll);

        assertThat(answers).extracting(outcome -> outcome instanceof Refused refused ? refused.problem().code().name() : "ok")
                .containsExactly("ok", ErrorCode.SUBSCRIPTION_LIMIT_REACHED.name(), ErrorCode.UNKNOWN_TOPIC.name());
        assertThat(session.topics()).containsExactly(CURVE_UPDATES, LATEST_PRICES);
    }

    @Test
    void anEntitlementsCheckThatFailsRefusesThatTopicAsAnInternalErrorAndTheConnectionGoesOn() {
        Session session = open(ALICE);
        entitlements.hold(CURVE_UPDATES).completeExceptionally(new IllegalStateException("a bug in a decision"));

        SubscriptionOutcome outcome = outcome(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));

        assertThat(outcome).isEqualTo(new Refused(CURVE_UPDATES, new Problem(ErrorCode.INTERNAL_ERROR,
                "The subscription to " + CURVE_UPDATES + " could not be completed; try again", Map.of("topic", CURVE_UPDATES))));
        assertThat(outcome(subscribe(subscriptions, session, MARKET_DATA, Filter.none()))).isInstanceOf(Subscribed.class);
    }

    @Test
    void pastTheCommandsAConnectionMayHaveWaitingMoreAreRefusedAsRateLimited() {
        Session session = open(ALICE);
        CompletableFuture<EntitlementDecision> stuck = entitlements.hold(CURVE_UPDATES);
        outcomeLater(subscribe(subscriptions, session, CURVE_UPDATES, Filter.none()));
        for (int i = 0; i < CommandSequence.MAX_WAITING; i++) {
            unsubscribe(subscriptions, session, List.of(MARKET_DATA), outcomes -> { });
        }

        List<SubscriptionOutcome> refused = new CopyOnWriteArrayList<>();
        unsubscribe(subscriptions, session, List.of(MARKET_DATA), refused::addAll);
        subscriptions.subscribe(session, List.of(LATEST_PRICES), Filter.none(), refused::addAll);

        assertThat(refused).hasSize(2).allSatisfy(outcome -> assertThat(outcome).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.problem().code()).isEqualTo(ErrorCode.RATE_LIMITED)));
        stuck.complete(EntitlementDecision.ALLOWED);
        assertThat(session.topics()).containsExactly(CURVE_UPDATES);
    }

    private static void outcomeLater(CompletableFuture<SubscriptionOutcome> pending) {
        assertThat(pending).isNotDone();
    }

    private static void unsubscribe(Subscriptions subscriptions, Session session, List<String> topics,
                                    java.util.function.Consumer<List<SubscriptionOutcome>> answer) {
        subscriptions.unsubscribe(session, topics, answer);
    }

    private static Refused limitReached(String topic) {
        return new Refused(topic, new Problem(ErrorCode.SUBSCRIPTION_LIMIT_REACHED,
                "A connection may hold at most 2 subscriptions; unsubscribe from one first", Map.of("topic", topic)));
    }

    /** One topic, in turn with the session's other commands; the outcome once its answer is given. */
    private static CompletableFuture<SubscriptionOutcome> subscribe(Subscriptions subscriptions, Session session, String topic, Filter filter) {
        CompletableFuture<SubscriptionOutcome> answer = new CompletableFuture<>();
        subscriptions.subscribe(session, List.of(topic), filter, outcomes -> answer.complete(outcomes.get(0)));
        return answer;
    }

    private static SubscriptionOutcome unsubscribe(Subscriptions subscriptions, Session session, String topic) {
        CompletableFuture<SubscriptionOutcome> answer = new CompletableFuture<>();
        subscriptions.unsubscribe(session, List.of(topic), outcomes -> answer.complete(outcomes.get(0)));
        return outcome(answer);
    }

    private Session open(Identity identity) {
        Admission admission = sessions.open(identity, Instant.parse("2030-01-01T00:00:00Z"), Transport.WEBSOCKET, new RecordingConnection());
        return ((Admission.Admitted) admission).session();
    }

    private static RecordingConnection connection(Session session) {
        return (RecordingConnection) session.connection();
    }

    private static List<String> received(Session session) {
        return connection(session).received;
    }

    private double refusals(ErrorCode reason) {
        Counter counter = metrics.registry().find("subscriptions.refused").tag("reason", reason.name()).counter();
        return counter == null ? 0 : counter.count();
    }

    private double subscriptionsMade() {
        return metrics.registry().get("subscriptions").counter().count();
    }

    private static SubscriptionOutcome outcome(CompletionStage<SubscriptionOutcome> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no outcome", e);
        }
    }

    private static Filter filter(String json) {
        try {
            return ((Filter.Parsed.Valid) Filter.parse(MAPPER.readTree(json))).filter();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static Message record(String topic, long offset, String json) {
        return record(topic, offset, json, null);
    }

    private static Message record(String topic, long offset, String json, String tenant) {
        try {
            ObjectNode value = (ObjectNode) MAPPER.readTree(json);
            return new Message(topic, 0, offset, 1_700_000_000_000L, null, value, MAPPER.writeValueAsBytes(value), tenant);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /**
     * A client connection without the socket: it writes what a transport would (frames of live subscriptions
     * only, as `topic|offset`), and keeps the errors it was told and how it was closed.
     */
    static final class RecordingConnection implements Connection {

        /** Frames as `topic|offset`, enough to tell which record reached the client. */
        static final WireFormat FORMAT = new WireFormat() {
            @Override
            public ByteBuf encode(Message message, ByteBufAllocator allocator) {
                ByteBuf frame = allocator.buffer();
                frame.writeCharSequence(message.topic() + "|" + message.offset(), StandardCharsets.UTF_8);
                return frame;
            }
        };

        final List<String> received = new CopyOnWriteArrayList<>();
        final List<Problem> notices = new CopyOnWriteArrayList<>();
        private volatile CloseReason closeReason;

        @Override
        public WireFormat wireFormat() {
            return FORMAT;
        }

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public Written write(ByteBuf frame) {
            received.add(frame.toString(StandardCharsets.UTF_8));
            return Written.MORE;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close(CloseReason reason) {
            closeReason = reason;
        }

        @Override
        public void notify(Problem problem) {
            notices.add(problem);
        }

        @Override
        public long messagesSent() {
            return received.size();
        }

        @Override
        public CloseReason closeReason() {
            return closeReason;
        }
    }

    /**
     * Entitlements whose answer per topic the test sets (allowed unless told otherwise), or holds back until
     * the test completes it; keeps who was asked about what.
     */
    static final class ScriptedEntitlements implements Entitlements {

        private final Map<String, EntitlementDecision> answers = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<EntitlementDecision>> held = new ConcurrentHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();

        void answer(String topic, EntitlementDecision decision) {
            answers.put(topic, decision);
        }

        /** The next question about this topic waits for the returned future. */
        CompletableFuture<EntitlementDecision> hold(String topic) {
            CompletableFuture<EntitlementDecision> answer = new CompletableFuture<>();
            held.put(topic, answer);
            return answer;
        }

        @Override
        public CompletionStage<EntitlementDecision> check(Identity identity, TopicDefinition topic) {
            asked.add(identity.userId() + "@" + identity.tenantId() + ":" + topic.name());
            CompletableFuture<EntitlementDecision> pending = held.remove(topic.name());
            return pending != null ? pending : CompletableFuture.completedFuture(answers.getOrDefault(topic.name(), EntitlementDecision.ALLOWED));
        }
    }
}
