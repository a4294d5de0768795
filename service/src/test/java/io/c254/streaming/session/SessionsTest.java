package io.c254.streaming.session;

import ch.qos.logback.classic.Level;
import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.auth.TokenVerifier;
import io.c254.streaming.auth.Verification;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.entitlements.RoleEntitlements;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.hub.SubscriptionIndex;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.session.SubscriptionOutcome.Refused;
import io.c254.streaming.session.SubscriptionOutcome.Subscribed;
import io.c254.streaming.session.SubscriptionOutcome.Unsubscribed;
import io.c254.streaming.testing.CapturedLogs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

import static io.c254.streaming.registry.TopicRegistry.CURVE_UPDATES;
import static io.c254.streaming.registry.TopicRegistry.LATEST_PRICES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the transports ask of sessions, with token checks that the test lets finish when it chooses:
 * a refresh and the SSE control calls take their turn among a connection's commands, and only the
 * owner of a stream may change it.
 */
class SessionsTest {

    private static final Instant EXPIRY = Instant.parse("2030-01-01T00:00:00Z");
    private static final Instant LATER = Instant.parse("2030-01-01T01:00:00Z");

    /** Token checks wait here until the test runs them. */
    private final Queue<Runnable> tokenChecks = new ArrayDeque<>();
    private final Executor heldChecks = tokenChecks::add;
    /** A token is `user:tenant:role`; anything else is rejected. */
    private final TokenVerifier verifier = token -> {
        if (token.equals("keys-down")) {
            throw new IllegalStateException("signing keys unavailable");
        }
        String[] parts = token.split(":");
        return parts.length == 3
                ? new Verification.Verified(new Identity(parts[0], parts[1], Set.of(parts[2]), false), LATER)
                : new Verification.Rejected("token is not user:tenant:role");
    };
    private final Config config = ConfigLoader.load(Map.of());
    private final SessionRegistry registry = new SessionRegistry(config.limits());
    private final StreamingMetrics metrics = new StreamingMetrics();
    private final Subscriptions subscriptions = new Subscriptions(TopicRegistry.load(config), new RoleEntitlements(), new SubscriptionIndex(), 10,
            metrics);
    private final Sessions sessions = new Sessions(new Authenticator(false, Optional.of(verifier), heldChecks), registry,
            new ConnectionRateLimits(config.rates()), subscriptions, metrics);
    private final List<String> answers = new CopyOnWriteArrayList<>();

    /** A command that throws is logged and skipped so that later ones still run; here, none may. */
    private final CapturedLogs commandFailures = CapturedLogs.of(CommandSequence.class.getName(), Level.ERROR);

    @AfterEach
    void noCommandFailed() {
        commandFailures.close();
        assertThat(commandFailures.events()).as("commands that failed").isEmpty();
    }

    @Test
    void aSubscribeSentWhileARefreshIsCheckedIsJudgedByTheRefreshedRoles() {
        Session session = open("alice", "acme", "viewer", Transport.WEBSOCKET);

        sessions.refresh(session, "alice:acme:analyst", this::record);
        sessions.subscribe(session, List.of(CURVE_UPDATES), Filter.none(), outcomes -> outcomes.forEach(this::record));
        assertThat(answers).as("the subscribe waits for the refresh before it").isEmpty();
        runTokenChecks();

        assertThat(answers).containsExactly("refreshed " + LATER, "subscribed " + CURVE_UPDATES);
        assertThat(session.identity().roles()).containsExactly("analyst");
    }

    @Test
    void aRefreshThatWithdrawsARoleRevokesBeforeTheNextCommandIsAnswered() {
        Session session = open("alice", "acme", "analyst", Transport.WEBSOCKET);
        sessions.subscribe(session, List.of(CURVE_UPDATES), Filter.none(), outcomes -> { });
        RecordingNotices notices = new RecordingNotices(session);

        sessions.refresh(session, "alice:acme:viewer", this::record);
        sessions.subscribe(session, List.of(LATEST_PRICES), Filter.none(),
                outcomes -> outcomes.forEach(outcome -> answers.add(notices.count() + " notices, then " + describe(outcome))));
        runTokenChecks();

        assertThat(answers).containsExactly("refreshed " + LATER, "1 notices, then subscribed " + LATEST_PRICES);
        assertThat(session.topics()).containsExactly(LATEST_PRICES);
    }

    @Test
    void aRefreshForAnotherUserOrARejectedTokenChangesNothing() {
        Session session = open("alice", "acme", "analyst", Transport.WEBSOCKET);

        sessions.refresh(session, "mallory:acme:admin", this::record);
        sessions.refresh(session, "garbage", this::record);
        runTokenChecks();

        assertThat(answers).containsExactly("refused FORBIDDEN", "refused UNAUTHORIZED");
        assertThat(session.identity()).isEqualTo(new Identity("alice", "acme", Set.of("analyst"), false));
        assertThat(session.expiresAt()).isEqualTo(EXPIRY);
    }

    @Test
    void controlCallsTakeEffectInTheOrderTheyArrivedWhateverTheirTokenChecksTake() {
        Session stream = open("alice", "acme", "analyst", Transport.SSE);

        sessions.subscribeStream(stream.id(), "alice:acme:analyst", CURVE_UPDATES, Filter.none(), this::record);
        sessions.unsubscribeStream(stream.id(), "alice:acme:analyst", CURVE_UPDATES, this::record);
        runTokenChecks();

        assertThat(answers).containsExactly("subscribed " + CURVE_UPDATES, "unsubscribed " + CURVE_UPDATES);
        assertThat(stream.topics()).isEmpty();
    }

    @Test
    void onlyTheOwnerMayChangeAStreamAndTheOwnerOfAnEndedOneLearnsItEnded() {
        Session stream = open("alice", "acme", "analyst", Transport.SSE);
        Session webSocket = open("alice", "acme", "analyst", Transport.WEBSOCKET);

        sessions.subscribeStream(stream.id(), "bob:acme:analyst", CURVE_UPDATES, Filter.none(), this::record);
        sessions.subscribeStream("conn-that-never-was", "bob:acme:analyst", CURVE_UPDATES, Filter.none(), this::record);
        sessions.subscribeStream(webSocket.id(), "alice:acme:analyst", CURVE_UPDATES, Filter.none(), this::record);
        sessions.subscribeStream(stream.id(), "no token", CURVE_UPDATES, Filter.none(), this::record);
        runTokenChecks();
        sessions.end(stream);
        sessions.unsubscribeStream(stream.id(), "alice:acme:analyst", CURVE_UPDATES, this::record);
        runTokenChecks();

        assertThat(answers).containsExactly("refused FORBIDDEN", "refused FORBIDDEN", "refused FORBIDDEN", "refused UNAUTHORIZED",
                "refused UNKNOWN_CONNECTION");
        assertThat(stream.topics()).isEmpty();
        assertThat(webSocket.topics()).isEmpty();
    }

    @Test
    void aPongFollowsTheAnswersOfEveryCommandSentBeforeIt() {
        Session session = open("alice", "acme", "viewer", Transport.WEBSOCKET);

        sessions.refresh(session, "alice:acme:viewer", this::record);
        sessions.afterEarlierCommands(session, () -> answers.add("pong"));
        assertThat(answers).isEmpty();
        runTokenChecks();

        assertThat(answers).containsExactly("refreshed " + LATER, "pong");
    }

    @Test
    void endingReleasesTheSlotAndEverySubscriptionOnce() {
        Session session = open("alice", "acme", "analyst", Transport.WEBSOCKET);
        sessions.subscribe(session, List.of(CURVE_UPDATES), Filter.none(), outcomes -> { });

        sessions.end(session);
        sessions.end(session);

        assertThat(registry.active(Transport.WEBSOCKET)).isZero();
        assertThat(session.topics()).isEmpty();
        sessions.subscribe(session, List.of(LATEST_PRICES), Filter.none(), outcomes -> outcomes.forEach(this::record));
        assertThat(answers).containsExactly("refused UNKNOWN_CONNECTION");
    }

    @Test
    void admissionChecksTheTokenThenTheUsersAttemptRateThenTheSlots() {
        Sessions strict = new Sessions(new Authenticator(false, Optional.of(verifier), heldChecks), registry,
                new ConnectionRateLimits(ConfigLoader.load(Map.of("ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER", "1")).rates()),
                subscriptions, metrics);
        List<Admission> admissions = new CopyOnWriteArrayList<>();

        strict.admit("garbage", Transport.WEBSOCKET, new SubscriptionsTest.RecordingConnection()).thenAccept(admissions::add);
        strict.admit("carol:acme:viewer", Transport.SSE, new SubscriptionsTest.RecordingConnection()).thenAccept(admissions::add);
        strict.admit("carol:acme:viewer", Transport.SSE, new SubscriptionsTest.RecordingConnection()).thenAccept(admissions::add);
        runTokenChecks();

        assertThat(admissions).hasSize(3);
        assertThat(admissions.get(0)).isEqualTo(new Admission.Refused(Problem.of(ErrorCode.UNAUTHORIZED, "token is not user:tenant:role")));
        assertThat(admissions.get(1)).isInstanceOfSatisfying(Admission.Admitted.class, admitted -> {
            assertThat(admitted.session().userId()).isEqualTo("carol");
            assertThat(admitted.session().expiresAt()).isEqualTo(LATER);
        });
        assertThat(admissions.get(2)).isInstanceOfSatisfying(Admission.Refused.class,
                refused -> assertThat(refused.problem().code()).isEqualTo(ErrorCode.RATE_LIMITED));
        assertThat(registry.active(Transport.SSE)).isEqualTo(1);
        assertThat(metrics.registry().get("rate.limited").tag("scope", "user").counter().count()).isEqualTo(1);
    }

    @Test
    void aTokenThatCannotBeCheckedIsRefusedSayingWhy() {
        List<Admission> admissions = new CopyOnWriteArrayList<>();

        sessions.admit("keys-down", Transport.WEBSOCKET, new SubscriptionsTest.RecordingConnection()).thenAccept(admissions::add);
        runTokenChecks();

        assertThat(admissions).containsExactly(new Admission.Refused(Problem.of(ErrorCode.UNAUTHORIZED,
                "the token could not be checked: signing keys unavailable")));
        assertThat(registry.active(Transport.WEBSOCKET)).isZero();
    }

    @Test
    void inLocalModeOnlyAControlCallWithoutATokenActsAsTheLocalTestUser() {
        Sessions local = new Sessions(new Authenticator(true, Optional.empty(), heldChecks), registry,
                new ConnectionRateLimits(config.rates()), subscriptions, metrics);
        Session stream = open("user-123", "tenant-1", "viewer", Transport.SSE);

        local.subscribeStream(stream.id(), null, LATEST_PRICES, Filter.none(), this::record);
        local.unsubscribeStream(stream.id(), " ", LATEST_PRICES, this::record);
        sessions.unsubscribeStream(stream.id(), null, LATEST_PRICES, this::record);
        runTokenChecks();

        assertThat(answers).containsExactly("subscribed " + LATEST_PRICES, "unsubscribed " + LATEST_PRICES, "refused UNAUTHORIZED");
    }

    @Test
    void aSweepRevokesWhatTheRegistryNoLongerAllowsOnEveryOpenConnection() {
        Session analyst = open("alice", "acme", "analyst", Transport.WEBSOCKET);
        Session viewer = open("bob", "acme", "viewer", Transport.SSE);
        sessions.subscribe(analyst, List.of(CURVE_UPDATES), Filter.none(), outcomes -> { });
        sessions.subscribe(viewer, List.of(LATEST_PRICES), Filter.none(), outcomes -> { });
        // a refresh that loses the role, checked without the revocation its command would make
        analyst.refresh(new Identity("alice", "acme", Set.of("viewer"), false), LATER);

        sessions.recheckAll();

        assertThat(analyst.topics()).isEmpty();
        assertThat(((SubscriptionsTest.RecordingConnection) analyst.connection()).notices).extracting(Problem::code)
                .containsExactly(ErrorCode.SUBSCRIPTION_REVOKED);
        assertThat(viewer.topics()).containsExactly(LATEST_PRICES);
    }

    private Session open(String user, String tenant, String role, Transport transport) {
        Admission admission = registry.open(new Identity(user, tenant, Set.of(role), false), EXPIRY, transport,
                new SubscriptionsTest.RecordingConnection());
        return ((Admission.Admitted) admission).session();
    }

    private void runTokenChecks() {
        for (Runnable check = tokenChecks.poll(); check != null; check = tokenChecks.poll()) {
            check.run();
        }
    }

    private void record(RefreshOutcome outcome) {
        answers.add(switch (outcome) {
            case RefreshOutcome.Refreshed refreshed -> "refreshed " + refreshed.expiresAt();
            case RefreshOutcome.Refused refused -> "refused " + refused.problem().code();
        });
    }

    private void record(SubscriptionOutcome outcome) {
        answers.add(describe(outcome));
    }

    private static String describe(SubscriptionOutcome outcome) {
        return switch (outcome) {
            case Subscribed subscribed -> "subscribed " + subscribed.topic();
            case Unsubscribed unsubscribed -> "unsubscribed " + unsubscribed.topic();
            case Refused refused -> "refused " + refused.problem().code();
        };
    }

    /** How many notices (revocations) the session's client has been sent so far. */
    private record RecordingNotices(Session session) {
        int count() {
            return ((SubscriptionsTest.RecordingConnection) session.connection()).notices.size();
        }
    }
}
