package io.c254.streaming.transport;

import io.c254.streaming.auth.Authenticator;
import io.c254.streaming.auth.Verification;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.Admission;
import io.c254.streaming.session.Connection;
import io.c254.streaming.session.ConnectionRateLimits;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.SessionRegistry;
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
 * of the client address, the token (verified off the event loop), the attempt rate of the user, and a
 * connection slot. Each refusal is a plain HTTP answer with a JSON body, before any upgrade.
 */
public final class ConnectionGate {

    private final Authenticator authenticator;
    private final SessionRegistry sessions;
    private final ConnectionRateLimits rates;
    private final HttpReplies replies;
    private final StreamingMetrics metrics;
    private volatile boolean draining;

    public ConnectionGate(Authenticator authenticator, SessionRegistry sessions, ConnectionRateLimits rates, HttpReplies replies,
                          StreamingMetrics metrics) {
        this.metrics = metrics;
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.rates = rates;
        this.replies = replies;
    }

    /**
     * @param connection builds the hub's view of the channel
     * @param onAdmitted runs on the channel's event loop with the new session; the request is still readable
     */
    /** From now on every new stream is refused: the instance is shutting down. */
    public void startDraining() {
        draining = true;
    }

    public void admit(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, Transport transport,
                      Function<Channel, Connection> connection, BiConsumer<ChannelHandlerContext, Session> onAdmitted) {
        if (draining) {
            // a keep-alive connection may still ask after the listener closed; send it to another instance
            refuse(ctx, request, transport, Problem.of(ErrorCode.SHUTTING_DOWN, "This instance is shutting down; connect again"));
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !replies.cors().allows(origin)) {
            // a page of another site must not open streams with a visitor's credentials (cross-site WebSocket hijacking)
            refuse(ctx, request, transport, Problem.of(ErrorCode.FORBIDDEN, "Origin " + origin + " is not allowed to open streams here"));
            return;
        }
        Problem throttled = rates.tryAddress(address(ctx.channel()));
        if (throttled != null) {
            metrics.rateLimited("address");
            refuse(ctx, request, transport, throttled);
            return;
        }
        request.retain();
        authenticator.authenticate(Tokens.from(request, query)).whenComplete((verification, failure) ->
                ctx.executor().execute(() -> {
                    try {
                        onVerified(ctx, request, transport, connection, onAdmitted, failure == null ? verification
                                : new Verification.Rejected("token could not be checked: " + failure.getMessage()));
                    } finally {
                        request.release();
                    }
                }));
    }

    private void onVerified(ChannelHandlerContext ctx, FullHttpRequest request, Transport transport, Function<Channel, Connection> connection,
                            BiConsumer<ChannelHandlerContext, Session> onAdmitted, Verification verification) {
        if (!ctx.channel().isActive()) {
            return;
        }
        switch (verification) {
            case Verification.Rejected rejected -> refuse(ctx, request, transport, Problem.of(ErrorCode.UNAUTHORIZED, rejected.reason()));
            case Verification.Verified verified -> {
                Problem throttled = rates.tryUser(verified.identity().tenantId(), verified.identity().userId());
                if (throttled != null) {
                    metrics.rateLimited("user");
                    refuse(ctx, request, transport, throttled);
                    return;
                }
                switch (sessions.open(verified.identity(), verified.expiresAt(), transport, connection.apply(ctx.channel()))) {
                    case Admission.Refused refused -> refuse(ctx, request, transport, refused.problem());
                    case Admission.Admitted admitted -> onAdmitted.accept(ctx, admitted.session());
                }
            }
        }
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, Transport transport, Problem problem) {
        metrics.connectionRefused(transport.name(), problem.code());
        replies.problem(ctx, request, problem);
    }

    private static String address(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : String.valueOf(channel.remoteAddress());
    }
}
