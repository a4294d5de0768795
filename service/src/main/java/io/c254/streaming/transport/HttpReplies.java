package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** Complete HTTP responses: JSON bodies, the error shape, CORS, keep-alive. */
public final class HttpReplies {

    private final CorsPolicy cors;

    public HttpReplies(CorsPolicy cors) {
        this.cors = cors;
    }

    public CorsPolicy cors() {
        return cors;
    }

    public void json(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, JsonNode body) {
        json(ctx, request, status, body, RetryAfter.jittered(RetryAfter.DEFAULT_SECONDS));
    }

    public void problem(ChannelHandlerContext ctx, HttpRequest request, Problem problem) {
        json(ctx, request, HttpResponseStatus.valueOf(problem.code().httpStatus()), Json.problem(problem),
                RetryAfter.jittered(problem.details().get("retry_after_seconds") instanceof Number earliest
                        ? earliest.longValue() : RetryAfter.DEFAULT_SECONDS));
    }

    public void json(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, JsonNode body, String retryAfterSeconds) {
        send(ctx, request, status, Json.write(body), HttpHeaderValues.APPLICATION_JSON.toString(), retryAfterSeconds);
    }

    public void problem(ChannelHandlerContext ctx, HttpRequest request, ErrorCode code, String message) {
        problem(ctx, request, Problem.of(code, message));
    }

    public void send(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String body, String contentType) {
        send(ctx, request, status, body, contentType, RetryAfter.jittered(RetryAfter.DEFAULT_SECONDS));
    }

    private void send(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String body, String contentType,
                      String retryAfterSeconds) {
        FullHttpResponse response = response(status, body, contentType, retryAfterSeconds);
        cors.apply(request, response.headers());
        send(ctx, request, response);
    }

    /** A problem answered with no request to answer (it never arrived whole), after which the connection closes. */
    public static FullHttpResponse closing(Problem problem) {
        FullHttpResponse response = response(HttpResponseStatus.valueOf(problem.code().httpStatus()), Json.write(Json.problem(problem)),
                HttpHeaderValues.APPLICATION_JSON.toString(), RetryAfter.jittered(RetryAfter.DEFAULT_SECONDS));
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, false);
        return response;
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body, String contentType, String retryAfterSeconds) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (status.code() == 429 || status.code() == 503) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        return response;
    }

    public void send(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        // an error before an upgrade ends the exchange: the client must not reuse a half-upgraded connection.
        // Other errors (a refused control call, say) leave a keep-alive connection open for the next request.
        boolean upgrade = request.headers().contains(HttpHeaderNames.UPGRADE);
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !(upgrade && response.status().code() >= 400);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
