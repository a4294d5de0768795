package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.auth.Verification;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.SessionRegistry;
import io.c254.streaming.session.SubscriptionOutcome;
import io.c254.streaming.session.Subscriptions;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.Json;
import io.c254.streaming.transport.Tokens;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * `POST /sse/subscribe` and `POST /sse/unsubscribe`: change the subscriptions of a running SSE stream.
 * Only the stream's owner may. Others get 403 for any id, existing or not, so the endpoint never tells
 * them which connection ids exist; the owner of a stream that has ended gets 404.
 */
public final class SseControl {

    private final Authenticator authenticator;
    private final SessionRegistry sessions;
    private final Subscriptions subscriptions;
    private final HttpReplies replies;
    private final Filter.Limits filterLimits;

    public SseControl(Authenticator authenticator, SessionRegistry sessions, Subscriptions subscriptions, HttpReplies replies,
                      Filter.Limits filterLimits) {
        this.filterLimits = filterLimits;
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.replies = replies;
    }

    public void onSubscribe(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        withTarget(ctx, request, query, target -> {
            request.retain();
            subscriptions.subscribe(target.session(), target.control().topic(), target.control().filter()).whenComplete((outcome, failure) ->
                    ctx.executor().execute(() -> {
                        try {
                            doAnswer(ctx, request, target.control(), outcome);
                        } finally {
                            request.release();
                        }
                    }));
        });
    }

    public void onUnsubscribe(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        withTarget(ctx, request, query, target ->
                doAnswer(ctx, request, target.control(), subscriptions.unsubscribe(target.session(), target.control().topic())));
    }

    private record Target(Session session, ControlRequest control) {
    }

    /** Verifies the caller off the event loop, then runs the action on it with the caller's own SSE session. */
    private void withTarget(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, Consumer<Target> action) {
        ControlRequest.Parsed parsed = ControlRequest.parse(request, filterLimits);
        request.retain();
        authenticator.authenticate(controlToken(request, query)).whenComplete((verification, failure) -> ctx.executor().execute(() -> {
            try {
                Target target = target(ctx, request, parsed, verification);
                if (target != null) {
                    action.accept(target);
                }
            } finally {
                request.release();
            }
        }));
    }

    /**
     * The caller's token. SPEC.md's example of these calls carries none, so in local mode (only there) a
     * request without one acts as the local test user, and the example works as written against dev mode.
     */
    private String controlToken(FullHttpRequest request, QueryStringDecoder query) {
        String token = Tokens.from(request, query);
        return (token == null || token.isBlank()) && authenticator.isLocal() ? Authenticator.TEST_TOKEN : token;
    }

    /** The caller's own SSE session and what they ask of it, or null once an error has been answered. */
    private Target target(ChannelHandlerContext ctx, FullHttpRequest request, ControlRequest.Parsed parsed, Verification verification) {
        if (!(verification instanceof Verification.Verified verified)) {
            String reason = verification instanceof Verification.Rejected rejected ? rejected.reason() : "the token could not be checked";
            replies.problem(ctx, request, ErrorCode.UNAUTHORIZED, reason);
            return null;
        }
        if (parsed.problem() != null) {
            doRefuse(ctx, request, parsed.problem());
            return null;
        }
        Identity caller = verified.identity();
        String id = parsed.request().connectionId();
        Optional<Session> owned = sessions.find(id)
                .filter(s -> s.transport() == Transport.SSE)
                .filter(s -> s.identity().userId().equals(caller.userId()) && s.identity().tenantId().equals(caller.tenantId()));
        if (owned.isEmpty()) {
            // the owner learns their stream has ended; anyone else gets the same 403 whether the id exists or not
            doRefuse(ctx, request, sessions.endedFor(id, caller)
                    ? Problem.of(ErrorCode.UNKNOWN_CONNECTION, "SSE connection " + id + " has ended; open a new stream")
                    : Problem.of(ErrorCode.FORBIDDEN, "SSE connection " + id + " is not an open stream of this user"));
            return null;
        }
        return new Target(owned.get(), parsed.request());
    }

    private void doAnswer(ChannelHandlerContext ctx, FullHttpRequest request, ControlRequest control, SubscriptionOutcome outcome) {
        switch (outcome) {
            case SubscriptionOutcome.Subscribed subscribed -> {
                ObjectNode body = Json.object().put("success", true).put("topic", subscribed.topic());
                body.set("filters", subscribed.filter().source());
                body.put("connection_id", control.connectionId());
                replies.json(ctx, request, HttpResponseStatus.OK, body);
            }
            case SubscriptionOutcome.Unsubscribed unsubscribed -> replies.json(ctx, request, HttpResponseStatus.OK,
                    Json.object().put("success", true).put("topic", unsubscribed.topic()).put("connection_id", control.connectionId()));
            case SubscriptionOutcome.Refused refused -> doRefuse(ctx, request, refused.problem());
            case null -> doRefuse(ctx, request, Problem.of(ErrorCode.INTERNAL_ERROR, "The subscription could not be completed; try again"));
        }
    }

    private void doRefuse(ChannelHandlerContext ctx, FullHttpRequest request, Problem problem) {
        ObjectNode body = Json.object().put("success", false);
        body.setAll(Json.problem(problem));
        replies.json(ctx, request, HttpResponseStatus.valueOf(problem.code().httpStatus()), body);
    }
}
