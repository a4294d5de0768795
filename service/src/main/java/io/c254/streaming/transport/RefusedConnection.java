package io.c254.streaming.transport;

import io.c254.streaming.session.Problem;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;

/**
 * A connection refused as it opens, before its request is read (see {@link PendingConnections}): it is
 * answered with the problem at once, what it sends is dropped unread, and it is closed shortly after,
 * so that it holds its socket for as little time as the answer needs to arrive.
 */
public final class RefusedConnection extends ChannelInboundHandlerAdapter {

    private static final Duration GRACE = Duration.ofSeconds(1);

    private final Problem problem;

    public RefusedConnection(Problem problem) {
        this.problem = problem;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        GracefulClose.answerThenClose(ctx.channel(), HttpReplies.closing(problem), GRACE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
