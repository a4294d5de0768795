package io.c254.streaming.transport;

import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.Admission;
import io.c254.streaming.session.Attempt;
import io.c254.streaming.session.Connection;
import io.c254.streaming.session.ConnectionRateLimits;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Everything a stream must pass before it starts, cheapest first: the browser origin, the attempt rate
 * of the client address, then the session layer's checks (the token, off the event loop; the user's
 * attempt rate; a connection slot). Each refusal is a plain HTTP answer with a JSON body, before any
 * upgrade. An admitted connection gets its one end here: whenever and however its channel closes, its
 * session ends and the access log records it.
 */
public final class ConnectionGate {

    private final Sessions sessions;
    private final ConnectionRateLimits rates;
    private final HttpReplies replies;
    private final StreamingMetrics metrics;
    private volatile boolean draining;

    public ConnectionGate(Sessions sessions, ConnectionRateLimits rates, HttpReplies replies, StreamingMetrics metrics) {
        this.metrics = metrics;
        this.sessions = sessions;
        this.rates = rates;
        this.replies = replies;
    }

    /** From now on every new stream is refused: the instance is shutting down. */
    public void startDraining() {
        draining = true;
    }

    /**
     * @param connection builds the hub's view of the channel
     * @param onAdmitted runs on the channel's event loop with the new session; the request is still readable
     */
    public void admit(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, Transport transport,
                      Function<Channel, Connection> connection, BiConsumer<ChannelHandlerContext, Session> onAdmitted) {
        if (draining) {
            // a keep-alive connection may still ask after the listener closed; send it to another instance
            refuse(ctx, request, transport, Problem.of(ErrorCode.SHUTTING_DOWN, "This instance is shutting down; connect again"));
            return;
        }
        if (!replies.cors().admits(request)) {
            // a page of another site must not open streams with a visitor's credentials (cross-site WebSocket hijacking)
            refuse(ctx, request, transport, Problem.of(ErrorCode.FORBIDDEN,
                    "Origin " + request.headers().get(HttpHeaderNames.ORIGIN) + " is not allowed to open streams here"));
            return;
        }
        if (rates.tryAddress(address(ctx.channel())) instanceof Attempt.Throttled throttled) {
            metrics.rateLimited("address");
            refuse(ctx, request, transport, throttled.problem());
            return;
        }
        // read before the retain: nothing may throw between it and the release below
        String token = Tokens.from(request, query);
        request.retain();
        sessions.admit(token, transport, connection.apply(ctx.channel())).whenComplete((admission, failure) -> {
            try {
                switch (admission) {
                    case Admission.Refused refused -> refuse(ctx, request, transport, refused.problem());
                    case Admission.Admitted admitted -> started(ctx, admitted.session(), onAdmitted);
                    case null -> refuse(ctx, request, transport, Problem.of(ErrorCode.INTERNAL_ERROR, "The connection could not be admitted; retry"));
                }
            } finally {
                request.release();
            }
        });
    }

    private void started(ChannelHandlerContext ctx, Session session, BiConsumer<ChannelHandlerContext, Session> onAdmitted) {
        AccessLog.opened(session);
        // a channel that closed while its token was checked ends here at once
        ctx.channel().closeFuture().addListener(closed -> {
            sessions.end(session);
            AccessLog.closed(session);
        });
        // the stream's own heartbeat takes over from the deadlines of a connection that is not one yet
        if (ctx.channel().isActive() && PendingConnection.streamStarted(ctx.pipeline())) {
            onAdmitted.accept(ctx, session);
        }
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, Transport transport, Problem problem) {
        metrics.connectionRefused(transport.name(), problem.code());
        if (ctx.channel().isActive()) {
            replies.problem(ctx, request, problem);
        }
    }

    private static String address(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : String.valueOf(channel.remoteAddress());
    }
}
