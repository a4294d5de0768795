package io.c254.streaming.transport.sse;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Session;
import io.c254.streaming.transport.ChannelSubscriber;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One SSE stream once its response has begun: heartbeat comments while idle. Its end is the gate's
 * (ConnectionGate), as for every connection.
 * The client sends nothing more on this connection; whatever it sends is dropped.
 */
final class SseConnectionHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(SseConnectionHandler.class);
    private static final long FORCE_CLOSE_SECONDS = 5;

    private final Session session;
    private final ChannelSubscriber data;
    private final long heartbeatNanos;

    /**
     * @param data      the stream's data writes, which pass below the idle handler: a stream that carried data
     *                  within the heartbeat interval needs no heartbeat
     */
    SseConnectionHandler(Session session, ChannelSubscriber data, Duration heartbeatInterval) {
        this.data = data;
        this.heartbeatNanos = heartbeatInterval.toNanos();
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent idle && idle.state() == IdleState.WRITER_IDLE) {
            if (!data.wroteDataWithin(heartbeatNanos)) {
                doWrite(ctx.channel(), SseEvents.heartbeat());
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing SSE connection {}: {}", session.id(), cause.toString());
        ctx.close();
    }

    static void doWrite(Channel channel, String text) {
        channel.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(channel.alloc(), text)));
    }

    /** Ends the stream with an error event naming the reason, then the final chunk. */
    static void doClose(Channel channel, CloseReason reason) {
        if (!channel.isActive()) {
            return;
        }
        doWrite(channel, reason == CloseReason.GOING_AWAY ? SseEvents.reconnect() : SseEvents.closing(reason));
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> channel.close(), FORCE_CLOSE_SECONDS, TimeUnit.SECONDS);
    }
}
