package io.c254.streaming.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;

/**
 * A mark in the pipeline just above the socket (and TLS, when on): data frames are written from its
 * context, so they pass no codec. The hub builds them as the complete bytes on the wire once per record,
 * and a codec pass per subscriber would only copy or wrap them again. Control messages still go through
 * the codecs; both paths meet in the same outbound buffer, in the order they were written.
 */
@ChannelHandler.Sharable
public final class WireHandler extends ChannelHandlerAdapter {

    public static final String NAME = "wire";
    public static final WireHandler INSTANCE = new WireHandler();

    private WireHandler() {
    }

    static ChannelHandlerContext context(Channel channel) {
        ChannelHandlerContext context = channel.pipeline().context(NAME);
        if (context == null) {
            throw new IllegalStateException("the pipeline has no '" + NAME + "' handler to write data frames from");
        }
        return context;
    }
}
