package io.c254.streaming.transport.ws;

import io.c254.streaming.config.Config;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Session;
import io.c254.streaming.session.Sessions;
import io.c254.streaming.session.Transport;
import io.c254.streaming.transport.ChannelSubscriber;
import io.c254.streaming.transport.ConnectionGate;
import io.c254.streaming.transport.DeliveryStats;
import io.c254.streaming.transport.HttpReplies;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * `GET /ws/stream`: passes the {@link ConnectionGate} BEFORE the upgrade (a refused client gets a plain
 * HTTP 401/403/429/503 with a JSON body), then hands the channel to a {@link WsConnectionHandler}.
 */
public final class WebSocketUpgrade {

    private final ConnectionGate gate;
    private final Sessions sessions;
    private final DeliveryStats stats;
    private final HttpReplies replies;
    private final Config config;
    private final StreamingMetrics metrics;
    private final WebSocketDecoderConfig decoderConfig;

    public WebSocketUpgrade(ConnectionGate gate, Sessions sessions, DeliveryStats stats, HttpReplies replies, Config config,
                            StreamingMetrics metrics) {
        this.metrics = metrics;
        this.gate = gate;
        this.sessions = sessions;
        this.stats = stats;
        this.replies = replies;
        this.config = config;
        this.decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(config.limits().maxFrameBytes())
                .allowExtensions(false)
                // the connection handler closes, so that the reason is recorded and the close frame is not lost
                .closeOnProtocolViolation(false)
                .build();
    }

    public void onRequest(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            replies.problem(ctx, request, ErrorCode.INVALID_MESSAGE,
                    "/ws/stream expects a WebSocket upgrade request (Connection: Upgrade, Upgrade: websocket)");
            return;
        }
        gate.admit(ctx, request, query, Transport.WEBSOCKET,
                channel -> new ChannelSubscriber(channel, WsDataFormat.INSTANCE, WsFrames.INSTANCE, stats.counter(Transport.WEBSOCKET)),
                (admittedCtx, session) -> doHandshake(admittedCtx, request, session));
    }

    private void doHandshake(ChannelHandlerContext ctx, FullHttpRequest request, Session session) {
        String url = "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + "/ws/stream";
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, null, decoderConfig).newHandshaker(request);
        if (handshaker == null) {
            // the session ends with the channel (ConnectionGate)
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        Channel channel = ctx.channel();
        ChannelFuture upgraded;
        try {
            // Netty checks the rest of the upgrade (Connection: Upgrade, Sec-WebSocket-Key) before it changes anything
            upgraded = handshaker.handshake(channel, request);
        } catch (WebSocketHandshakeException notAnUpgrade) {
            // the session ends with the channel, which the refusal of an upgrade closes (HttpReplies)
            replies.problem(ctx, request, ErrorCode.INVALID_MESSAGE, "Incomplete WebSocket upgrade: " + notAnUpgrade.getMessage());
            return;
        }
        // the rest of this task runs before the channel reads again, so no frame arrives before its handlers
        WsConnectionHandler handler = new WsConnectionHandler(session, sessions, handshaker, config, metrics);
        // after the upgrade the HTTP router leaves the pipeline
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.replace(ctx.handler(), "ws-heartbeat",
                new IdleStateHandler(config.heartbeatInterval().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        // RFC 6455 section 8.1: text that is not UTF-8 fails the connection with 1007. The decoder checks only close
        // frames; the handshaker, unlike WebSocketServerProtocolHandler, does not add this check. It throws to the
        // connection handler, which closes with the exception's status, as for every other violation
        pipeline.addAfter("ws-heartbeat", "ws-utf8", new Utf8FrameValidator(false));
        pipeline.addAfter("ws-utf8", "ws-aggregator", new WebSocketFrameAggregator(decoderConfig.maxFramePayloadLength()));
        pipeline.addAfter("ws-aggregator", "ws-connection", handler);
        upgraded.addListener(done -> {
            if (done.isSuccess()) {
                handler.onEstablished(pipeline.context(handler));
            } else {
                channel.close();
            }
        });
    }
}
