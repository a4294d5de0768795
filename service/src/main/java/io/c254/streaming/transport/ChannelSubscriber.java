package io.c254.streaming.transport;

import io.c254.streaming.hub.Subscriber.Written;
import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Connection;
import io.c254.streaming.session.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.TimeUnit;

/**
 * A channel as the hub sees it. Data frames arrive as the complete bytes on the wire (a WebSocket frame,
 * an HTTP chunk), shared by the connections of the loop that hold the same topics (and so have the same
 * cursor): each write is a retained duplicate of them, written below the protocol codecs (see
 * {@link WireHandler}), and the hub flushes once per turn.
 * A channel whose outbound buffer is past its high-water mark when a turn begins is a slow consumer and
 * is closed rather than allowed to grow the heap.
 */
public final class ChannelSubscriber implements Connection {

    private final Channel channel;
    private final ChannelHandlerContext wire;
    private final WireFormat format;
    private final TransportFrames frames;
    private final DeliveryStats.Counter sent;
    // only touched on the channel's event loop
    /** Set once the server has started to end the connection. */
    private boolean closing;
    private CloseReason closeReason;
    private long messagesSent;
    private int unflushed;
    private long lastFlushNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

    public ChannelSubscriber(Channel channel, WireFormat format, TransportFrames frames, DeliveryStats.Counter sent) {
        this.channel = channel;
        this.wire = WireHandler.context(channel);
        this.format = format;
        this.frames = frames;
        this.sent = sent;
    }

    @Override
    public void close(CloseReason reason) {
        channel.eventLoop().execute(() -> doClose(reason));
    }

    @Override
    public void notify(Problem problem) {
        if (channel.eventLoop().inEventLoop()) {
            // at once: a notice given by a command goes out before the answer to the next command
            doNotify(problem);
        } else {
            channel.eventLoop().execute(() -> doNotify(problem));
        }
    }

    private void doNotify(Problem problem) {
        if (!closing && channel.isActive()) {
            channel.writeAndFlush(frames.problem(channel, problem));
        }
    }

    @Override
    public WireFormat wireFormat() {
        return format;
    }

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    @Override
    public Written write(ByteBuf frame) {
        // the connection's state is checked at the first frame after a flush: nothing else runs on its loop within a turn
        if (unflushed == 0) {
            if (closing || !channel.isActive()) {
                return Written.DROPPED;
            }
            // an open channel that still holds more than its bound unsent: the hub conflates or ends it
            if (!channel.isWritable()) {
                return Written.BACKED_UP;
            }
        }
        wire.write(frame.retainedDuplicate(), wire.voidPromise());
        return unflushed++ == 0 ? Written.FIRST : Written.MORE;
    }

    /** Replays may fill half of the outbound bound; the other half is kept for live records. */
    @Override
    public long replayRoom() {
        if (closing || !channel.isActive()) {
            return -1;
        }
        return Math.max(0, channel.bytesBeforeUnwritable() - channel.config().getWriteBufferHighWaterMark() / 2);
    }

    @Override
    public void tooSlow() {
        doClose(CloseReason.SLOW_CONSUMER);
    }

    @Override
    public void flush() {
        // counted before the bytes leave: a client that reads a message and at once asks /stats sees it counted
        sent.add(unflushed);
        messagesSent += unflushed;
        unflushed = 0;
        lastFlushNanos = System.nanoTime();
        wire.flush();
    }

    /** Whether data was flushed within this long; on the channel's event loop (a data stream needs no heartbeat). */
    public boolean wroteDataWithin(long nanos) {
        return System.nanoTime() - lastFlushNanos < nanos;
    }

    private void doClose(CloseReason reason) {
        if (!closing && channel.isActive()) {
            closing = true;
            closeReason = reason;
            sent.onClosed(reason);
            frames.close(channel, reason);
        }
    }

    @Override
    public long messagesSent() {
        return messagesSent;
    }

    @Override
    public CloseReason closeReason() {
        return closeReason;
    }
}
