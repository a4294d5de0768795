package io.c254.streaming.session;

import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.auth.Verification;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.SubscriptionOutcome.Refused;
import io.netty.util.concurrent.EventExecutor;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the transports ask of sessions, and the only way they reach tokens: admitting a connection, its
 * commands (subscribe, unsubscribe, refresh, and the SSE control calls made from other connections), and
 * its end. A connection's commands take effect and are answered in the order they arrived, one after
 * another, on its event loop (see {@link CommandSequence}); answers to a connection's own commands are
 * given there.
 */
public final class Sessions {

    private final Authenticator authenticator;
    private final SessionRegistry registry;
    private final ConnectionRateLimits rates;
    private final Subscriptions subscriptions;
    private final StreamingMetrics metrics;

    public Sessions(Authenticator authenticator, SessionRegistry registry, ConnectionRateLimits rates, Subscriptions subscriptions,
                    StreamingMetrics metrics) {
        this.authenticator = authenticator;
        this.registry = registry;
        this.rates = rates;
        this.subscriptions = subscriptions;
        this.metrics = metrics;
    }

    /**
     * Checks the token (off the event loop), the user's attempt rate and the connection limits; completes
     * on the connection's event loop.
     */
    public CompletionStage<Admission> admit(String token, Transport transport, Connection connection) {
        return CommandSequence.completingOn(connection.executor(), verify(token)).thenApply(verification -> switch (verification) {
            case Verification.Rejected rejected -> new Admission.Refused(Problem.of(ErrorCode.UNAUTHORIZED, rejected.reason()));
            case Verification.Verified verified -> open(verified, transport, connection);
        });
    }

    private Admission open(Verification.Verified verified, Transport transport, Connection connection) {
        Identity identity = verified.identity();
        return switch (rates.tryUser(identity.tenantId(), identity.userId())) {
            case Attempt.Throttled throttled -> {
                metrics.rateLimited("user");
                yield new Admission.Refused(throttled.problem());
            }
            case Attempt.Allowed allowed -> registry.open(identity, verified.expiresAt(), transport, connection);
        };
    }

    /** Subscribes from live. */
    public void subscribe(Session session, List<String> topics, Filter filter, Consumer<List<SubscriptionOutcome>> answer) {
        subscribe(session, topics, filter, SubscribeOptions.LIVE, answer);
    }

    /** With a cursor to resume from (its topics first replay what was missed) and a rate cap, as the options say. */
    public void subscribe(Session session, List<String> topics, Filter filter, SubscribeOptions options,
                          Consumer<List<SubscriptionOutcome>> answer) {
        subscriptions.subscribe(session, topics, filter, options, answer);
    }

    /** The registry's default topics; those the user may not read are skipped without a word. */
    public void subscribeDefaults(Session session, Filter filter, SubscribeOptions options) {
        subscriptions.subscribeDefaults(session, filter, options);
    }

    /** On the connection's event loop, in an answer: the cursor the connection starts from, over every topic it holds. */
    public String cursor(Session session) {
        return subscriptions.cursor(session);
    }

    public void unsubscribe(Session session, List<String> topics, Consumer<List<SubscriptionOutcome>> answer) {
        subscriptions.unsubscribe(session, topics, answer);
    }

    /** Runs once every command the connection sent before has been answered: a ping's pong follows their answers. */
    public void afterEarlierCommands(Session session, Runnable answer) {
        session.commands().submit(() -> {
            answer.run();
            return CompletableFuture.completedFuture(null);
        }, answer);
    }

    /**
     * A fresh token for the same user and tenant, in turn with the connection's other commands: roles may
     * have changed, so what the old token allowed is checked again, and anything withdrawn is revoked
     * before the next command runs. The answer comes first.
     */
    public void refresh(Session session, String token, Consumer<RefreshOutcome> answer) {
        session.commands().submit(() -> session.onLoop(verify(token)).thenCompose(verification -> switch (verification) {
            case Verification.Rejected rejected -> refused(answer, Problem.of(ErrorCode.UNAUTHORIZED, "Refresh refused: " + rejected.reason()));
            case Verification.Verified verified when !session.ownedBy(verified.identity()) -> refused(answer,
                    Problem.of(ErrorCode.FORBIDDEN, "A refresh token must be for the same user and tenant as the connection"));
            case Verification.Verified verified -> {
                session.refresh(verified.identity(), verified.expiresAt());
                answer.accept(new RefreshOutcome.Refreshed(verified.expiresAt()));
                yield subscriptions.revokeWithdrawn(session);
            }
        }), () -> answer.accept(new RefreshOutcome.Refused(CommandSequence.busy())));
    }

    private static CompletableFuture<Void> refused(Consumer<RefreshOutcome> answer, Problem problem) {
        answer.accept(new RefreshOutcome.Refused(problem));
        return CompletableFuture.completedFuture(null);
    }

    /**
     * `POST /sse/subscribe`: the caller's token must be the stream owner's. The call takes its turn among the
     * stream's commands as soon as it arrives, so calls made one after another take effect in that order.
     * The answer may come on any thread.
     */
    public void subscribeStream(String connectionId, String token, String topic, Filter filter, Consumer<SubscriptionOutcome> answer) {
        control(connectionId, token, topic, answer,
                session -> subscriptions.subscribeNow(session, List.of(topic), filter, SubscribeOptions.LIVE).thenApply(outcomes -> outcomes.get(0)));
    }

    /** `POST /sse/unsubscribe`, as {@link #subscribeStream}. */
    public void unsubscribeStream(String connectionId, String token, String topic, Consumer<SubscriptionOutcome> answer) {
        control(connectionId, token, topic, answer,
                session -> CompletableFuture.completedFuture(subscriptions.unsubscribeNow(session, List.of(topic)).get(0)));
    }

    private void control(String connectionId, String token, String topic, Consumer<SubscriptionOutcome> answer,
                         Function<Session, CompletableFuture<SubscriptionOutcome>> action) {
        String presented = controlToken(token);
        Optional<Session> stream = registry.find(connectionId).filter(session -> session.transport() == Transport.SSE);
        if (stream.isEmpty()) {
            verify(presented).thenAccept(verification -> answer.accept(new Refused(topic, notOwned(connectionId, verification))));
            return;
        }
        Session session = stream.get();
        session.commands().submit(() -> session.onLoop(verify(presented)).thenCompose(verification -> {
            if (verification instanceof Verification.Verified verified && session.ownedBy(verified.identity()) && !session.ended()) {
                return action.apply(session).thenAccept(answer);
            }
            answer.accept(new Refused(topic, notOwned(connectionId, verification)));
            return CompletableFuture.completedFuture(null);
        }), () -> answer.accept(new Refused(topic, CommandSequence.busy())));
    }

    /**
     * The caller's token. SPEC.md's example of the control calls carries none, so in local mode (only there)
     * a request without one acts as the local test user, and the example works as written against dev mode.
     */
    private String controlToken(String token) {
        return (token == null || token.isBlank()) && authenticator.isLocal() ? Authenticator.TEST_TOKEN : token;
    }

    /** Why a caller may not act on this stream: the owner learns it has ended; anyone else gets the same 403 whether it exists or not. */
    private Problem notOwned(String connectionId, Verification verification) {
        return switch (verification) {
            case Verification.Rejected rejected -> Problem.of(ErrorCode.UNAUTHORIZED, rejected.reason());
            case Verification.Verified verified when registry.endedFor(connectionId, verified.identity()) ->
                    Problem.of(ErrorCode.UNKNOWN_CONNECTION, "SSE connection " + connectionId + " has ended; open a new stream");
            case Verification.Verified verified ->
                    Problem.of(ErrorCode.FORBIDDEN, "SSE connection " + connectionId + " is not an open stream of this user");
        };
    }

    /** Revocation sweep: every open connection is checked again (see {@link Subscriptions#recheck}). */
    public void recheckAll() {
        registry.sessions().forEach(subscriptions::recheck);
    }

    /**
     * The one end of every admitted connection, however it ended: its subscriptions go at once (commands
     * still waiting find it ended) and its slot is released. Ending twice is harmless.
     */
    public void end(Session session) {
        EventExecutor loop = session.commands().loop();
        if (loop.inEventLoop()) {
            doEnd(session);
        } else {
            loop.execute(() -> doEnd(session));
        }
    }

    private void doEnd(Session session) {
        subscriptions.release(session);
        registry.close(session);
    }

    /** A token check that never fails: a failure to check is a rejection naming why. */
    private CompletableFuture<Verification> verify(String token) {
        return authenticator.authenticate(token).toCompletableFuture()
                .exceptionally(failure -> new Verification.Rejected("the token could not be checked: "
                        + (failure instanceof CompletionException wrapped && wrapped.getCause() != null ? wrapped.getCause() : failure).getMessage()));
    }

}
