package io.c254.streaming.transport.ws;

import io.c254.streaming.session.CloseReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

import java.util.concurrent.TimeUnit;

/** Ends a connection with a close frame the client can read, and for certain: a client that reads nothing is cut off. */
final class WsClosing {

    private static final long FORCE_CLOSE_SECONDS = 5;

    private WsClosing() {
    }

    static void close(Channel channel, CloseReason reason) {
        if (!channel.isActive()) {
            return;
        }
        channel.writeAndFlush(new CloseWebSocketFrame(reason.code(), reason.text())).addListener(ChannelFutureListener.CLOSE);
        // a slow consumer's close frame waits behind its full buffer: do not wait on it for ever
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_SECONDS, TimeUnit.SECONDS);
    }
}
