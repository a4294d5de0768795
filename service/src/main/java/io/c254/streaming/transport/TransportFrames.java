package io.c254.streaming.transport;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/** What differs between the transports once a connection is open: how bytes, errors and endings are framed. */
public interface TransportFrames {

    /** Wraps encoded data bytes into what the channel's pipeline writes (a WebSocket frame, an HTTP chunk). */
    Object data(ByteBuf bytes);

    /** An error message or event, as this transport shows it. */
    Object problem(Channel channel, Problem problem);

    /** Ends the connection with a reason the client can read; called on the channel's event loop. */
    void close(Channel channel, CloseReason reason);
}
