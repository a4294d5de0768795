package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.SubscriptionOutcome;
import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.Json;
import io.c254.streaming.transport.Tokens;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;


/**
 * `POST /sse/subscribe` and `POST /sse/unsubscribe`: change the subscriptions of a running SSE stream.
 * Only the stream's owner may. Others get 403 for any id, existing or not, so the endpoint never tells
 * them which connection ids exist; the owner of a stream that has ended gets 404. A call takes its turn
 * among the stream's commands (see {@link Sessions#subscribeStream}).
 */
public final class SseControl {

    private final Sessions sessions;
    private final HttpReplies replies;
    private final Filter.Limits filterLimits;

    public SseControl(Sessions sessions, HttpReplies replies, Filter.Limits filterLimits) {
        this.filterLimits = filterLimits;
        this.sessions = sessions;
        this.replies = replies;
    }

    public void onSubscribe(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        switch (ControlRequest.parse(request, filterLimits)) {
            case ControlRequest.Parsed.Invalid invalid -> doRefuse(ctx, request, invalid.problem());
            case ControlRequest.Parsed.Valid valid -> {
                ControlRequest control = valid.request();
                String token = Tokens.from(request, query);
                request.retain();
                sessions.subscribeStream(control.connectionId(), token, control.topic(), control.filter(),
                        outcome -> answer(ctx, request, control, outcome));
            }
        }
    }

    public void onUnsubscribe(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        switch (ControlRequest.parse(request, filterLimits)) {
            case ControlRequest.Parsed.Invalid invalid -> doRefuse(ctx, request, invalid.problem());
            case ControlRequest.Parsed.Valid valid -> {
                ControlRequest control = valid.request();
                String token = Tokens.from(request, query);
                request.retain();
                sessions.unsubscribeStream(control.connectionId(), token, control.topic(),
                        outcome -> answer(ctx, request, control, outcome));
            }
        }
    }

    /** The outcome comes on the stream's event loop or a token-checking thread: the answer goes out on the caller's. */
    private void answer(ChannelHandlerContext ctx, FullHttpRequest request, ControlRequest control, SubscriptionOutcome outcome) {
        ctx.executor().execute(() -> {
            try {
                doAnswer(ctx, request, control, outcome);
            } finally {
                request.release();
            }
        });
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
        }
    }

    private void doRefuse(ChannelHandlerContext ctx, FullHttpRequest request, Problem problem) {
        ObjectNode body = Json.object().put("success", false);
        body.setAll(Json.problem(problem));
        replies.json(ctx, request, HttpResponseStatus.valueOf(problem.code().httpStatus()), body);
    }
}
