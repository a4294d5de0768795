package io.c254.streaming.transport;

import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A channel as the hub sees it. Writes a batch with one flush; a channel whose outbound buffer is past
 * its high-water mark is a slow consumer and is closed rather than allowed to grow the heap.
 */
public final class ChannelSubscriber implements Connection {

    private final Channel channel;
    private final WireFormat format;
    private final Function<ByteBuf, Object> wrap;
    private final Consumer<CloseReason> close;
    private final DeliveryStats.Counter sent;
    /** Set once a slow-consumer close is under way; only touched on the channel's event loop. */
    private boolean closing;

    /**
     * @param wrap  turns encoded bytes into what the channel's pipeline writes (a WebSocket frame, an HTTP chunk)
     * @param close ends the connection with a reason the client can read
     */
    public ChannelSubscriber(Channel channel, WireFormat format, Function<ByteBuf, Object> wrap,
                             Consumer<CloseReason> close, DeliveryStats.Counter sent) {
        this.channel = channel;
        this.format = format;
        this.wrap = wrap;
        this.close = close;
        this.sent = sent;
    }

    @Override
    public void close(CloseReason reason) {
        channel.eventLoop().execute(() -> {
            if (!closing && channel.isActive()) {
                closing = true;
                close.accept(reason);
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
    public void deliver(List<ByteBuf> frames) {
        if (closing || !channel.isActive() || !channel.isWritable()) {
            frames.forEach(ByteBuf::release);
            if (!closing && channel.isActive()) {
                closing = true;
                close.accept(CloseReason.SLOW_CONSUMER);
            }
            return;
        }
        for (ByteBuf frame : frames) {
            channel.write(wrap.apply(frame), channel.voidPromise());
        }
        channel.flush();
        sent.add(frames.size());
    }
}
