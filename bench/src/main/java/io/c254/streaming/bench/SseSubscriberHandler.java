package io.c254.streaming.bench;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * An EventSource subscriber: one GET, then the event stream. Nchan's subscriber is ok on its 200; the
 * gateway's once its first event ({@code connection_established}) is complete. Events holding a record go
 * straight to the record scan.
 */
final class SseSubscriberHandler extends SimpleChannelInboundHandler<HttpObject> implements SseEventSplitter.EventSink {

    private static final String OPENING_EVENT = "connection_established";

    private final Subscriber subscriber;
    private final Peer peer;
    private final String hostHeader;
    private final String path;
    private final RecordStamp.Sink deliveries;
    private SseEventSplitter splitter;

    SseSubscriberHandler(Subscriber subscriber, Peer peer, String hostHeader, String path, RecordStamp.Sink deliveries) {
        this.subscriber = subscriber;
        this.peer = peer;
        this.hostHeader = hostHeader;
        this.path = path;
        this.deliveries = deliveries;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        splitter = new SseEventSplitter(ctx.alloc());
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers()
                .set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.ACCEPT, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        ctx.writeAndFlush(request);
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (message instanceof HttpResponse response) {
            onResponse(response);
        }
        if (message instanceof HttpContent content) {
            splitter.onChunk(content.content(), this);
        }
    }

    private void onResponse(HttpResponse response) {
        if (!HttpResponseStatus.OK.equals(response.status())) {
            subscriber.onFailed("HTTP " + response.status());
        } else if (peer == Peer.NCHAN) {
            subscriber.onOk();
        }
    }

    @Override
    public void onEvent(ByteBuf bytes, int from, int to) {
        if (RecordStamp.read(bytes, from, to, deliveries) || subscriber.state() != Subscriber.State.CONNECTING) {
            return;
        }
        String event = bytes.toString(from, to - from, StandardCharsets.UTF_8);
        if (event.contains(OPENING_EVENT)) {
            subscriber.onOk();
        } else if (event.contains("event: error")) {
            subscriber.onFailed("error event before ok: " + event.replace('\n', ' '));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        subscriber.onClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (splitter != null) {
            splitter.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        subscriber.onFailed(Failures.describe(cause));
        ctx.close();
    }
}
