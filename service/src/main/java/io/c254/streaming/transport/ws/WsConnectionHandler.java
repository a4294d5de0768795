package io.c254.streaming.transport.ws;

import io.c254.streaming.config.Config;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.MessageRateLimit;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.RefreshOutcome;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.SubscribeOptions;
import io.c254.streaming.session.SubscriptionOutcome;
import io.c254.streaming.transport.ExpiryTimer;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One WebSocket connection after the handshake: client actions in, acknowledgements and errors out,
 * heartbeat. A bad frame gets an error message and the connection stays open.
 */
final class WsConnectionHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    private static final Logger log = LoggerFactory.getLogger(WsConnectionHandler.class);

    private final Session session;
    private final Sessions sessions;
    private final WebSocketServerHandshaker handshaker;
    private final long heartbeatTimeoutNanos;
    private final Duration expiryWarning;
    private final MessageRateLimit rate;
    private final Filter.Limits filterLimits;
    private final StreamingMetrics metrics;
    private long lastReadNanos = System.nanoTime();
    private ExpiryTimer expiry;

    WsConnectionHandler(Session session, Sessions sessions, WebSocketServerHandshaker handshaker, Config config, StreamingMetrics metrics) {
        this.metrics = metrics;
        this.session = session;
        this.sessions = sessions;
        this.handshaker = handshaker;
        this.heartbeatTimeoutNanos = config.heartbeatTimeout().toNanos();
        this.expiryWarning = config.auth().expiryWarning();
        this.rate = new MessageRateLimit(config.rates());
        this.filterLimits = new Filter.Limits(config.limits().maxFilterFields(), config.limits().maxFilterValues());
    }

    /** After the handshake: confirm, then take the default subscriptions in the same event-loop task. */
    void onEstablished(ChannelHandlerContext ctx) {
        expiry = new ExpiryTimer(ctx.channel(), expiryWarning, () -> doWarnExpiry(ctx), () -> doClose(CloseReason.TOKEN_EXPIRED));
        expiry.schedule(session.expiresAt());
        doSend(ctx, WsMessages.connectionEstablished(session));
        sessions.subscribeDefaults(session, Filter.none(), SubscribeOptions.LIVE);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        lastReadNanos = System.nanoTime();
        switch (frame) {
            case PongWebSocketFrame pong -> { /* a heartbeat answer: lastReadNanos is all it updates */ }
            case CloseWebSocketFrame close -> handshaker.close(ctx.channel(), close.retain());
            default -> onRateLimited(ctx, frame);
        }
    }

    /** Every frame the server must answer counts against the rate: commands, pings, even frames it cannot use. */
    private void onRateLimited(ChannelHandlerContext ctx, WebSocketFrame frame) {
        metrics.messageReceived();
        switch (rate.onMessage()) {
            case ACCEPT -> onFrame(ctx, frame);
            case REFUSE -> doSendRateLimited(ctx);
            case CLOSE -> doClose(CloseReason.RATE_LIMITED);
        }
    }

    private void doSendRateLimited(ChannelHandlerContext ctx) {
        metrics.rateLimited("message");
        doSend(ctx, WsMessages.error(Problem.of(ErrorCode.RATE_LIMITED,
                    "Too many messages; this one was dropped. Keep flooding and the connection is closed")));
    }

    private void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
        switch (frame) {
            case TextWebSocketFrame text -> onCommand(ctx, WsCommandParser.parse(text.text(), filterLimits));
            case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            default -> doSend(ctx, WsMessages.error(Problem.of(ErrorCode.UNSUPPORTED_FRAME,
                    "Binary frames are not understood; send JSON commands as text frames")));
        }
    }

    private void onCommand(ChannelHandlerContext ctx, WsCommand command) {
        switch (command) {
            case WsCommand.Subscribe subscribe -> onSubscribe(ctx, subscribe);
            case WsCommand.Unsubscribe unsubscribe -> onUnsubscribe(ctx, unsubscribe);
            case WsCommand.Ping ping -> sessions.afterEarlierCommands(session, () -> doSend(ctx, WsMessages.pong()));
            case WsCommand.Refresh refresh -> onRefresh(ctx, refresh);
            case WsCommand.Invalid invalid -> doSend(ctx, WsMessages.error(invalid.problem()));
        }
    }

    private void onRefresh(ChannelHandlerContext ctx, WsCommand.Refresh refresh) {
        sessions.refresh(session, refresh.token(), outcome -> {
            switch (outcome) {
                case RefreshOutcome.Refreshed refreshed -> {
                    expiry.schedule(refreshed.expiresAt());
                    doSend(ctx, WsMessages.refreshed(refreshed.expiresAt()));
                }
                case RefreshOutcome.Refused refused -> doSend(ctx, WsMessages.error(refused.problem()));
            }
        });
    }

    private void doWarnExpiry(ChannelHandlerContext ctx) {
        doSend(ctx, WsMessages.error(new Problem(ErrorCode.TOKEN_EXPIRED,
                "The token expires at " + session.expiresAt() + "; send {\"action\":\"refresh\",\"data\":{\"token\":\"...\"}} to stay connected",
                Map.of("expires_at", Long.toString(session.expiresAt().getEpochSecond())))));
    }

    /** Answers on the event loop, in turn: an error per refused topic, then one acknowledgement of the rest. */
    private void onSubscribe(ChannelHandlerContext ctx, WsCommand.Subscribe subscribe) {
        sessions.subscribe(session, subscribe.topics(), subscribe.filter(), subscribe.options(), outcomes -> {
            List<String> subscribed = doSendRefusals(ctx, outcomes);
            if (!subscribed.isEmpty()) {
                doSend(ctx, WsMessages.subscribed(subscribed, subscribe.filter(), sessions.cursor(session)));
            }
        });
    }

    private void onUnsubscribe(ChannelHandlerContext ctx, WsCommand.Unsubscribe unsubscribe) {
        sessions.unsubscribe(session, unsubscribe.topics(), outcomes -> {
            List<String> removed = doSendRefusals(ctx, outcomes);
            if (!removed.isEmpty()) {
                doSend(ctx, WsMessages.unsubscribed(removed));
            }
        });
    }

    /** Sends an error for each refused topic; returns the others, for one acknowledgement. */
    private static List<String> doSendRefusals(ChannelHandlerContext ctx, List<SubscriptionOutcome> outcomes) {
        List<String> done = new ArrayList<>();
        for (SubscriptionOutcome outcome : outcomes) {
            if (outcome instanceof SubscriptionOutcome.Refused refused) {
                doSend(ctx, WsMessages.error(refused.problem()));
            } else {
                done.add(outcome.topic());
            }
        }
        return done;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            if (System.nanoTime() - lastReadNanos >= heartbeatTimeoutNanos) {
                doClose(CloseReason.HEARTBEAT_TIMEOUT);
            } else {
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing WebSocket connection {}: {}", session.id(), cause.toString());
        switch (cause) {
            // one frame over the limit (the decoder), or a message whose frames add up to more (the aggregator)
            case CorruptedWebSocketFrameException corrupt when corrupt.closeStatus().equals(WebSocketCloseStatus.MESSAGE_TOO_BIG) ->
                    doClose(CloseReason.MESSAGE_TOO_BIG);
            case TooLongFrameException tooLong -> doClose(CloseReason.MESSAGE_TOO_BIG);
            // another protocol violation: the decoder drops what follows; the client is told which and cut off
            case CorruptedWebSocketFrameException corrupt ->
                    ctx.writeAndFlush(new CloseWebSocketFrame(corrupt.closeStatus())).addListener(ChannelFutureListener.CLOSE);
            default -> ctx.close();
        }
    }

    /** Through the connection, which closes once however many reasons arrive (a flood keeps coming until then). */
    private void doClose(CloseReason reason) {
        session.connection().close(reason);
    }

    private static void doSend(ChannelHandlerContext ctx, String json) {
        ctx.writeAndFlush(new TextWebSocketFrame(json));
    }
}
