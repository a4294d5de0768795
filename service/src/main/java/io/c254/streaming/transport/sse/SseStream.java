package io.c254.streaming.transport.sse;

import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.SubscriptionOutcome;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.ChannelSubscriber;
import io.c254.streaming.transport.ConnectionGate;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.ExpiryTimer;
import io.c254.streaming.transport.HttpReplies;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * `GET /sse/stream`: validates the query and passes the {@link ConnectionGate} before the stream starts
 * (refusals are plain HTTP errors with a JSON body), then streams events until the client leaves or
 * its token expires.
 */
public final class SseStream {

    private final ConnectionGate gate;
    private final Sessions sessions;
    private final DeliveryStats stats;
    private final HttpReplies replies;
    private final Duration heartbeatInterval;
    private final Filter.Limits filterLimits;

    public SseStream(ConnectionGate gate, Sessions sessions, DeliveryStats stats, HttpReplies replies, Duration heartbeatInterval, Filter.Limits filterLimits) {
        this.filterLimits = filterLimits;
        this.gate = gate;
        this.sessions = sessions;
        this.stats = stats;
        this.replies = replies;
        this.heartbeatInterval = heartbeatInterval;
    }

    public void onRequest(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        switch (StreamRequest.parse(query, request.headers(), filterLimits)) {
            case StreamRequest.Parsed.Invalid invalid -> replies.problem(ctx, request, invalid.problem());
            case StreamRequest.Parsed.Valid valid -> admit(ctx, request, query, valid.request());
        }
    }

    private void admit(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, StreamRequest wanted) {
        gate.admit(ctx, request, query, Transport.SSE,
                channel -> new ChannelSubscriber(channel, SseEvents.DATA, SseFrames.INSTANCE, stats.counter(Transport.SSE)),
                (admittedCtx, session) -> doStart(admittedCtx, request, session, wanted));
    }

    private void doStart(ChannelHandlerContext ctx, FullHttpRequest request, Session session, StreamRequest wanted) {
        Channel channel = ctx.channel();
        ChannelPipeline pipeline = ctx.pipeline();
        // from here the channel is a stream: the router leaves. An expired token ends it through the connection,
        // which records and counts the reason, as for every end the server decides
        ExpiryTimer expiry = new ExpiryTimer(channel, Duration.ZERO, () -> { }, () -> session.connection().close(CloseReason.TOKEN_EXPIRED));
        pipeline.replace(ctx.handler(), "sse-heartbeat",
                new IdleStateHandler(0, heartbeatInterval.toMillis(), 0, TimeUnit.MILLISECONDS));
        // the connection is the ChannelSubscriber this stream's admission built (onRequest)
        pipeline.addAfter("sse-heartbeat", "sse-connection", new SseConnectionHandler(session,
                (ChannelSubscriber) session.connection(), heartbeatInterval));

        channel.write(streamHeaders(request));
        SseConnectionHandler.doWrite(channel, SseEvents.opening(session));
        expiry.schedule(session.expiresAt());
        // the stream's first commands: control calls made once the client knows its id come after them
        sessions.subscribeDefaults(session, wanted.topics().isEmpty() ? wanted.filter() : Filter.none(), wanted.options());
        if (!wanted.topics().isEmpty()) {
            sessions.subscribe(session, wanted.topics(), wanted.filter(), wanted.options(), outcomes -> outcomes.forEach(outcome -> {
                if (outcome instanceof SubscriptionOutcome.Refused refused) {
                    session.connection().notify(refused.problem());
                }
            }));
        }
        // the starting cursor becomes the stream's last event id: a stream dropped before its first data event resumes from it
        sessions.afterEarlierCommands(session, () -> SseConnectionHandler.doWrite(channel,
                SseEvents.subscribed(new java.util.TreeSet<>(session.topics()), sessions.cursor(session))));
    }

    private HttpResponse streamHeaders(FullHttpRequest request) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                // nginx and similar proxies buffer responses unless told not to
                .set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(response, true);
        replies.cors().apply(request, response.headers());
        return response;
    }
}
