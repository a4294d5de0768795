package io.c254.streaming.bench;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;

/** Assembles one subscriber's pipeline: HTTP, then WebSocket or the event stream. Nothing else. */
final class SubscriberInitializer extends ChannelInitializer<SocketChannel> {

    /** The handshake answer is small; the aggregator leaves the pipeline once the handshake is done. */
    private static final int HANDSHAKE_RESPONSE_BYTES = 8192;

    private final Options options;
    private final Subscriber subscriber;
    private final RecordStamp.Sink deliveries;

    SubscriberInitializer(Options options, Subscriber subscriber, RecordStamp.Sink deliveries) {
        this.options = options;
        this.subscriber = subscriber;
        this.deliveries = deliveries;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(new HttpClientCodec());
        String hostHeader = options.urlHost() + ":" + options.port();
        String path = options.peer().subscribePath(options, subscriber.instrument());
        switch (options.transport()) {
            case WS -> {
                pipeline.addLast(new HttpObjectAggregator(HANDSHAKE_RESPONSE_BYTES));
                pipeline.addLast(new WebSocketClientProtocolHandler(webSocketConfig(URI.create("ws://" + hostHeader + path))));
                pipeline.addLast(new WsSubscriberHandler(subscriber, options.peer(), options.topic(), deliveries));
            }
            case SSE -> pipeline.addLast(new SseSubscriberHandler(subscriber, options.peer(), hostHeader, path, deliveries));
        }
    }

    private WebSocketClientProtocolConfig webSocketConfig(URI uri) {
        return WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .handshakeTimeoutMillis(TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds()))
                // the record is one small text frame; what the peers send never needs more
                .maxFramePayloadLength(1 << 20)
                // checking every byte of every frame for valid UTF-8 made the WebSocket client the first thing to
                // saturate on a shared machine; the generator measures delivery, not the peers' encodings
                .withUTF8Validator(false)
                .build();
    }
}
