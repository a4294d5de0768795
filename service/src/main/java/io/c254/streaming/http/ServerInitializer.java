package io.c254.streaming.http;

import io.c254.streaming.transport.WireHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/** Assembles a new connection's pipeline: TLS when configured, the wire mark, HTTP codec, whole requests, then the router. */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {

    /** Request line and headers: tokens travel in the query or a header, so allow a long one. */
    static final int MAX_INITIAL_LINE = 16 * 1024;
    static final int MAX_HEADER_SIZE = 16 * 1024;

    private final Routes routes;
    private final int maxBodyBytes;
    private final SslContext tls;

    /** @param tls null for plain HTTP and WS */
    ServerInitializer(Routes routes, int maxBodyBytes, SslContext tls) {
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        if (tls != null) {
            channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
        }
        channel.pipeline()
                // data frames are written from here, below the codecs: they are already the bytes on the wire
                .addLast(WireHandler.NAME, WireHandler.INSTANCE)
                .addLast("http-codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                // answers 413 (JSON error shape) when a body is larger than allowed
                .addLast("http-aggregator", new BoundedRequests(maxBodyBytes))
                .addLast("http-router", new HttpRouter(routes));
    }
}
