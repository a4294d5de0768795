package io.c254.streaming.transport.ws;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.transport.GracefulClose;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

import java.util.concurrent.TimeUnit;

/**
 * Ends a connection with a close frame the client can read, and for certain. After the close frame
 * only the sending half is shut (RFC 6455 section 7.1.1: the client closes TCP after answering). A
 * client that reads nothing (a slow consumer, whose close frame waits behind its full buffer) is cut
 * off after a grace period.
 */
final class WsClosing {

    private static final long FORCE_CLOSE_SECONDS = 5;

    private WsClosing() {
    }

    static void close(Channel channel, CloseReason reason) {
        if (!channel.isActive()) {
            return;
        }
        channel.writeAndFlush(new CloseWebSocketFrame(reason.code(), reason.text())).addListener(written -> {
            if (written.isSuccess()) {
                GracefulClose.afterLastWrite(channel);
            } else {
                channel.close();
            }
        });
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_SECONDS, TimeUnit.SECONDS);
    }
}
