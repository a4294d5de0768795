package io.c254.streaming.transport;

import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection until its stream starts: it holds a place in {@link PendingConnections} and runs against
 * a deadline in each phase, so that a client that connects and then sends slowly or nothing cannot
 * hold the socket. The whole first request must arrive within the request timeout of the connection
 * opening (TLS handshake included); a request must be answered, or its stream started, within the
 * handshake timeout; a kept-alive connection may wait for its next request for the keep-alive
 * timeout, and from that request's first byte the request timeout runs again. When the stream starts
 * the handler leaves the pipeline (the stream has its own heartbeat) and gives its place back.
 *
 * <p>Sits after the request aggregator, where whole requests come in and responses go out; a second,
 * byte-level part before the HTTP codec tells it when a next request has begun.
 */
public final class PendingConnection extends ChannelDuplexHandler {

    public static final String NAME = "pending";
    public static final String BYTES_NAME = "pending-bytes";

    private static final Duration TIMED_OUT_GRACE = Duration.ofSeconds(1);

    private enum Phase { OPENING, IDLE, READING, HANDLING }

    private final PendingConnections pending;
    private final String address;
    private Phase phase = Phase.OPENING;
    /** Requests read whose response is not written yet (a client may pipeline). */
    private int unanswered;
    /** Bytes of a next request came since the last whole one. */
    private boolean begunNext;
    private ScheduledFuture<?> deadline;
    private boolean released;
    private boolean closing;

    /** The caller took the address's place in {@code pending}; this gives it back. */
    public PendingConnection(PendingConnections pending, String address) {
        this.pending = pending;
        this.address = address;
    }

    /** The byte-level part, to go before the HTTP codec. */
    public ChannelHandler bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
                    onBytes(ctx.pipeline());
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    /**
     * The connection becomes a stream: its deadlines end and its place is given back.
     *
     * @return false when it ran out of time meanwhile and is being closed: the stream must not start
     */
    public static boolean streamStarted(ChannelPipeline pipeline) {
        if (pipeline.get(NAME) instanceof PendingConnection connection && connection.closing) {
            return false;
        }
        if (pipeline.get(BYTES_NAME) != null) {
            pipeline.remove(BYTES_NAME);
        }
        if (pipeline.get(NAME) != null) {
            pipeline.remove(NAME);
        }
        return true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        schedule(ctx, pending.limits().requestTimeout());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        end();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            unanswered++;
            begunNext = false;
            phase = Phase.HANDLING;
            schedule(ctx, pending.limits().handshakeTimeout());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
            promise = promise.unvoid();
            promise.addListener(written -> onAnswered(ctx));
        }
        ctx.write(msg, promise);
    }

    private void onAnswered(ChannelHandlerContext ctx) {
        if (released || --unanswered > 0) {
            return;
        }
        unanswered = 0;
        if (begunNext) {
            phase = Phase.READING;
            schedule(ctx, pending.limits().requestTimeout());
        } else {
            phase = Phase.IDLE;
            schedule(ctx, pending.limits().keepAliveTimeout());
        }
    }

    private void onBytes(ChannelPipeline pipeline) {
        begunNext = true;
        if (phase == Phase.IDLE && !released) {
            phase = Phase.READING;
            schedule(pipeline.context(this), pending.limits().requestTimeout());
        }
    }

    private void onDeadline(ChannelHandlerContext ctx) {
        if (released || !ctx.channel().isActive()) {
            return;
        }
        switch (phase) {
            case IDLE -> {
                // nothing under way: a kept-alive connection simply ends (RFC 9112 section 9.6)
                pending.timedOut("keepalive");
                ctx.close();
            }
            case OPENING, READING -> {
                pending.timedOut("request");
                doCloseWith(ctx, Problem.of(ErrorCode.REQUEST_TIMEOUT, "The request did not arrive whole within "
                        + pending.limits().requestTimeout().toMillis() + " ms (ACCESS_REQUEST_TIMEOUT_MS)"));
            }
            case HANDLING -> {
                pending.timedOut("handshake");
                doCloseWith(ctx, Problem.of(ErrorCode.HANDSHAKE_TIMEOUT, "The request could not be answered within "
                        + pending.limits().handshakeTimeout().toMillis() + " ms (ACCESS_HANDSHAKE_TIMEOUT_MS); connect again"));
            }
        }
    }

    /** The client is told why, and nothing it sends after is read. */
    private void doCloseWith(ChannelHandlerContext ctx, Problem problem) {
        closing = true;
        end();
        ctx.channel().config().setAutoRead(false);
        GracefulClose.answerThenClose(ctx.channel(), HttpReplies.closing(problem), TIMED_OUT_GRACE);
    }

    private void schedule(ChannelHandlerContext ctx, Duration after) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        deadline = ctx.executor().schedule(() -> onDeadline(ctx), after.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void end() {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (!released) {
            released = true;
            pending.release(address);
        }
    }
}
