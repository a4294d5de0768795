package io.c254.streaming.transport;

import io.c254.streaming.hub.Frame;
import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Connection;
import io.c254.streaming.session.Problem;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;

import java.util.List;

/**
 * A channel as the hub sees it. Writes a batch with one flush; a channel whose outbound buffer is past
 * its high-water mark is a slow consumer and is closed rather than allowed to grow the heap. Frames
 * of subscriptions that ended after they were matched are dropped here, on the event loop, so that
 * nothing of a topic follows its `unsubscribed` or `SUBSCRIPTION_REVOKED`.
 */
public final class ChannelSubscriber implements Connection {

    private final Channel channel;
    private final WireFormat format;
    private final TransportFrames frames;
    private final DeliveryStats.Counter sent;
    /** Set once the server has started to end the connection; only touched on the channel's event loop. */
    private boolean closing;
    private CloseReason closeReason;
    private long messagesSent;

    public ChannelSubscriber(Channel channel, WireFormat format, TransportFrames frames, DeliveryStats.Counter sent) {
        this.channel = channel;
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
        channel.eventLoop().execute(() -> {
            if (!closing && channel.isActive()) {
                channel.writeAndFlush(frames.problem(channel, problem));
            }
        });
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
    public void deliver(List<Frame> batch) {
        if (closing || !channel.isActive() || !channel.isWritable()) {
            batch.forEach(frame -> frame.bytes().release());
            if (channel.isActive()) {
                doClose(CloseReason.SLOW_CONSUMER);
            }
            return;
        }
        int written = 0;
        long oldest = Long.MAX_VALUE;
        for (Frame frame : batch) {
            if (frame.subscription().isActive()) {
                channel.write(frames.data(frame.bytes()), channel.voidPromise());
                oldest = Math.min(oldest, frame.recordTimestamp());
                written++;
            } else {
                frame.bytes().release();
            }
        }
        if (written > 0) {
            // the flush hands the bytes to the socket: the latency sample is taken after it
            channel.flush();
            sent.add(written, oldest);
            messagesSent += written;
        }
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
