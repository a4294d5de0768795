package io.c254.streaming.http;

import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.GracefulClose;
import io.c254.streaming.transport.Json;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/** Whole requests up to a size; a larger body is answered 413 in the JSON error shape every other error has. */
final class BoundedRequests extends HttpObjectAggregator {

    private final int maxBodyBytes;

    BoundedRequests(int maxBodyBytes) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        String body = Json.write(Json.problem(Problem.of(ErrorCode.PAYLOAD_TOO_LARGE,
                "Request body is larger than the " + maxBodyBytes + " bytes allowed (ACCESS_MAX_BODY_BYTES)")));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                ByteBufUtil.writeUtf8(ctx.alloc(), body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        // the rest of the body may still be on its way: the connection cannot be reused
        HttpUtil.setKeepAlive(response, false);
        ctx.writeAndFlush(response).addListener(written -> GracefulClose.afterLastWrite(ctx.channel()));
    }
}
