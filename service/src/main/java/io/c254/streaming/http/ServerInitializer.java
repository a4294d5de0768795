package io.c254.streaming.http;

import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.PendingConnection;
import io.c254.streaming.transport.PendingConnections;
import io.c254.streaming.transport.RefusedConnection;
import io.c254.streaming.transport.WireHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Assembles a new connection's pipeline: TLS when configured, the wire mark, HTTP codec, whole requests
 * under deadlines, then the router. A connection over the pending caps gets only what it takes to be told so.
 */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {

    /** Request line and headers: tokens travel in the query or a header, so allow a long one. */
    static final int MAX_INITIAL_LINE = 16 * 1024;
    static final int MAX_HEADER_SIZE = 16 * 1024;

    private final Routes routes;
    private final PendingConnections pending;
    private final int maxBodyBytes;
    private final SslContext tls;

    /** @param tls null for plain HTTP and WS */
    ServerInitializer(Routes routes, PendingConnections pending, int maxBodyBytes, SslContext tls) {
        this.routes = routes;
        this.pending = pending;
        this.maxBodyBytes = maxBodyBytes;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (tls != null) {
            pipeline.addLast("tls", tls.newHandler(channel.alloc()));
        }
        String address = address(channel);
        Optional<Problem> refusal = pending.tryOpen(address);
        if (refusal.isPresent()) {
            pipeline.addLast("http-encoder", new HttpResponseEncoder()).addLast("refused", new RefusedConnection(refusal.get()));
            return;
        }
        PendingConnection deadlines = new PendingConnection(pending, address);
        pipeline
                // data frames are written from here, below the codecs: they are already the bytes on the wire
                .addLast(WireHandler.NAME, WireHandler.INSTANCE)
                .addLast(PendingConnection.BYTES_NAME, deadlines.bytes())
                .addLast("http-codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                // answers 413 (JSON error shape) when a body is larger than allowed
                .addLast("http-aggregator", new BoundedRequests(maxBodyBytes))
                .addLast(PendingConnection.NAME, deadlines)
                .addLast("http-router", new HttpRouter(routes));
    }

    static String address(SocketChannel channel) {
        InetSocketAddress remote = channel.remoteAddress();
        return remote != null && remote.getAddress() != null ? remote.getAddress().getHostAddress() : String.valueOf(remote);
    }
}
