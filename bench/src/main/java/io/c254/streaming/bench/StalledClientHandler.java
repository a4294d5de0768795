package io.c254.streaming.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * A subscriber of scenario g that stops reading as soon as the gateway has established it (auto-read off:
 * what the gateway sends then piles up in a small socket buffer, then in the gateway's outbound bound). It
 * still sends a pong now and then, as a client that lives but cannot keep up would. Once told to read
 * again it counts what was waiting for it and notes the close frame, if the gateway ended it meanwhile.
 */
final class StalledClientHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    /** How one stalled client ended up. */
    enum Fate { OPEN, CLOSED_WITH_CODE, CLOSED_WITHOUT_CLOSE_FRAME, NEVER_OK }

    private final Subscriber subscriber;
    private final int pongSeconds;
    private final LongAdder receivedAfterResume;
    private volatile boolean resumed;
    private volatile int closeCode = -1;
    private volatile boolean closed;
    private ScheduledFuture<?> pongs;

    StalledClientHandler(Subscriber subscriber, int pongSeconds, LongAdder receivedAfterResume) {
        this.subscriber = subscriber;
        this.pongSeconds = pongSeconds;
        this.receivedAfterResume = receivedAfterResume;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            subscriber.onFailed("WebSocket handshake timed out");
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            closeCode = close.statusCode();
            ctx.close();
        } else if (resumed) {
            receivedAfterResume.increment();
        } else if (frame instanceof TextWebSocketFrame
                && frame.content().toString(StandardCharsets.UTF_8).contains("\"type\":\"connection_established\"")) {
            ctx.channel().config().setAutoRead(false);
            subscriber.onOk();
            if (pongSeconds > 0) {
                pongs = ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(new PongWebSocketFrame()),
                        pongSeconds, pongSeconds, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads again: what the gateway kept for this client arrives, then its close frame if it ended it. */
    void resume(ChannelHandlerContext ctx) {
        resumed = true;
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    Fate fate() {
        if (subscriber.state() != Subscriber.State.OK) {
            return Fate.NEVER_OK;
        }
        if (!closed) {
            return Fate.OPEN;
        }
        return closeCode >= 0 ? Fate.CLOSED_WITH_CODE : Fate.CLOSED_WITHOUT_CLOSE_FRAME;
    }

    int closeCode() {
        return closeCode;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        if (pongs != null) {
            pongs.cancel(false);
        }
        subscriber.onClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        subscriber.onFailed(Failures.describe(cause));
        ctx.close();
    }
}
