package io.c254.streaming.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

/**
 * One connection attempt of a storm client, with the handshake done by hand so that a refusal is seen whole:
 * its status, its error code (the JSON body) and its Retry-After. The attempt ends once: back (upgraded and
 * {@code connection_established}), refused (an HTTP answer), or failed (closed or broken without one). Once
 * back, the client stays subscribed, answers pings and drops the data it gets.
 */
final class StormClientHandler extends SimpleChannelInboundHandler<Object> {

    /** Told how the attempt ended, once. */
    interface Outcome {
        void onBack(StormClient client, ChannelHandlerContext ctx);

        void onRefused(StormClient client, int status, String code, String retryAfter);

        void onFailed(StormClient client, String reason);

        /** A client that was back lost its connection without being told to drop it. */
        void onLost(StormClient client);
    }

    private static final Pattern ERROR_CODE = Pattern.compile("\"error\"\\s*:\\s*\"([A-Z_]+)\"");

    private final StormClient client;
    private final WebSocketClientHandshaker handshaker;
    private final Outcome outcome;
    private boolean settled;

    StormClientHandler(StormClient client, URI uri, Outcome outcome) {
        this.client = client;
        this.outcome = outcome;
        this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13, null, false,
                EmptyHttpHeaders.INSTANCE, 1 << 20);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        handshaker.handshake(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object message) {
        if (message instanceof FullHttpResponse response) {
            onResponse(ctx, response);
        } else if (message instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        } else if (!settled && message instanceof TextWebSocketFrame text
                && text.content().toString(StandardCharsets.UTF_8).contains("\"type\":\"connection_established\"")) {
            settled = true;
            outcome.onBack(client, ctx);
        }
    }

    private void onResponse(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS) && !handshaker.isHandshakeComplete()) {
            handshaker.finishHandshake(ctx.channel(), response);
            return;
        }
        if (!settled) {
            settled = true;
            String retryAfter = response.headers().get(HttpHeaderNames.RETRY_AFTER, "none");
            Matcher code = ERROR_CODE.matcher(response.content().toString(StandardCharsets.UTF_8));
            outcome.onRefused(client, response.status().code(), code.find() ? code.group(1) : "-", retryAfter.trim());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!settled) {
            settled = true;
            outcome.onFailed(client, "closed before an answer");
        } else if (client.back() && client.channel() == ctx.channel()) {
            outcome.onLost(client);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!settled) {
            settled = true;
            outcome.onFailed(client, Failures.describe(cause));
        }
        ctx.close();
    }
}
