package io.c254.streaming.transport;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Problem;
import io.netty.channel.Channel;

/** What differs between the transports once a connection is open: how errors and endings are framed (data is framed by its {@link io.c254.streaming.hub.WireFormat}). */
public interface TransportFrames {

    /** An error message or event, as this transport shows it. */
    Object problem(Channel channel, Problem problem);

    /** Ends the connection with a reason the client can read; called on the channel's event loop. */
    void close(Channel channel, CloseReason reason);
}
