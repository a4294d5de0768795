package io.c254.streaming.transport.sse;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.TransportFrames;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;

/** SSE framing: data and errors as chunks of the event stream, endings as a last error event. */
final class SseFrames implements TransportFrames {

    static final SseFrames INSTANCE = new SseFrames();

    private SseFrames() {
    }

    @Override
    public Object problem(Channel channel, Problem problem) {
        return new DefaultHttpContent(ByteBufUtil.writeUtf8(channel.alloc(), SseEvents.error(problem)));
    }

    @Override
    public void close(Channel channel, CloseReason reason) {
        SseConnectionHandler.doClose(channel, reason);
    }
}
