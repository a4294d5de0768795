package io.c254.streaming.transport.ws;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.TransportFrames;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/** WebSocket framing: data and errors as text frames, endings as close frames. */
final class WsFrames implements TransportFrames {

    static final WsFrames INSTANCE = new WsFrames();

    private WsFrames() {
    }

    @Override
    public Object problem(Channel channel, Problem problem) {
        return new TextWebSocketFrame(WsMessages.error(problem));
    }

    @Override
    public void close(Channel channel, CloseReason reason) {
        WsClosing.close(channel, reason);
    }
}
