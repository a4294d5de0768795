package io.c254.streaming.bench;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * A WebSocket subscriber after Netty's client protocol handler (which answers pings and handles closes).
 * Nchan's subscriber is ok once the handshake is done; the gateway's once it sent
 * {@code connection_established} and, for a filtering subscriber, acknowledged the filter with
 * {@code subscribed}. Data frames go straight to the record scan; only control frames are read as text.
 */
final class WsSubscriberHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    private final Subscriber subscriber;
    private final Peer peer;
    private final String topic;
    private final RecordStamp.Sink deliveries;

    WsSubscriberHandler(Subscriber subscriber, Peer peer, String topic, RecordStamp.Sink deliveries) {
        this.subscriber = subscriber;
        this.peer = peer;
        this.topic = topic;
        this.deliveries = deliveries;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE && peer == Peer.NCHAN) {
            subscriber.onOk();
        } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            subscriber.onFailed("WebSocket handshake timed out");
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (RecordStamp.read(content, deliveries) || !(frame instanceof TextWebSocketFrame)) {
            return;
        }
        onControl(ctx, content.toString(StandardCharsets.UTF_8));
    }

    private void onControl(ChannelHandlerContext ctx, String text) {
        if (text.contains("\"type\":\"connection_established\"")) {
            if (subscriber.filtered()) {
                ctx.writeAndFlush(new TextWebSocketFrame(InstrumentFilter.subscribeCommand(topic, subscriber.instrument())));
            } else {
                subscriber.onOk();
            }
        } else if (text.contains("\"type\":\"subscribed\"")) {
            subscriber.onOk();
        } else if (text.contains("\"type\":\"error\"") && subscriber.state() == Subscriber.State.CONNECTING) {
            subscriber.onFailed("error before ok: " + text);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        subscriber.onClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        subscriber.onFailed(Failures.describe(cause));
        ctx.close();
    }
}
