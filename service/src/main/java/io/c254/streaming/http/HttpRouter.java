package io.c254.streaming.http;

import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.PercentEncoding;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * The first handler of every connection: routes a request by method and path. Streams (WebSocket, SSE)
 * replace it in the pipeline; plain requests are answered here. Query strings are never logged: they
 * may hold a token.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** The paths this router serves, as a 404 names them. */
    static final List<String> ENDPOINTS = List.of("/ws/stream", "/sse/stream", "/sse/subscribe", "/sse/unsubscribe",
            "/health", "/health/live", "/health/ready", "/stats", "/metrics", "/admin/overview", "/console/");

    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);

    private final Routes routes;

    HttpRouter(Routes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            onUndecodable(ctx, request, request.decoderResult().cause());
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        Optional<Problem> undecodable = PercentEncoding.problemIn(query, "The request's path or query");
        if (undecodable.isPresent()) {
            routes.replies().problem(ctx, request, undecodable.get());
            return;
        }
        HttpMethod method = request.method();
        if (HttpMethod.OPTIONS.equals(method)) {
            doPreflight(ctx, request);
            return;
        }
        // every case below is in ENDPOINTS, which the 404 lists
        switch (query.path()) {
            case "/ws/stream" -> onlyGet(ctx, request, query, () -> routes.webSocket().onRequest(ctx, request, query));
            case "/sse/stream" -> onlyGet(ctx, request, query, () -> routes.sseStream().onRequest(ctx, request, query));
            case "/sse/subscribe" -> onlyPost(ctx, request, () -> routes.sseControl().onSubscribe(ctx, request, query));
            case "/sse/unsubscribe" -> onlyPost(ctx, request, () -> routes.sseControl().onUnsubscribe(ctx, request, query));
            case "/health" -> onlyGet(ctx, request, query, () -> routes.admin().onHealth(ctx, request));
            case "/health/live" -> onlyGet(ctx, request, query, () -> routes.admin().onLive(ctx, request));
            case "/health/ready" -> onlyGet(ctx, request, query, () -> routes.admin().onReady(ctx, request));
            case "/stats" -> onlyGet(ctx, request, query, () -> routes.admin().onStats(ctx, request));
            case "/metrics" -> onlyGet(ctx, request, query, () -> routes.admin().onMetrics(ctx, request));
            case "/admin/overview" -> onlyGet(ctx, request, query, () -> routes.console().onOverview(ctx, request, query));
            case String path when ConsoleEndpoints.isConsolePath(path) -> onlyGet(ctx, request, query, () -> routes.console().onFile(ctx, request, path));
            default -> routes.replies().problem(ctx, request, ErrorCode.NOT_FOUND,
                    "No endpoint " + query.path() + "; the endpoints are " + String.join(", ", ENDPOINTS));
        }
    }

    /** A request the codec could not read: a limit it passed is named with its maximum, anything else is malformed. */
    private void onUndecodable(ChannelHandlerContext ctx, FullHttpRequest request, Throwable cause) {
        switch (cause) {
            case TooLongHttpLineException tooLong -> routes.replies().problem(ctx, request, ErrorCode.URI_TOO_LONG,
                    "The request line is longer than " + ServerInitializer.MAX_INITIAL_LINE
                            + " bytes; shorten the query (fewer filter values, or subscribe to more after connecting)");
            case TooLongHttpHeaderException tooLarge -> routes.replies().problem(ctx, request, ErrorCode.HEADERS_TOO_LARGE,
                    "The request's headers are larger than " + ServerInitializer.MAX_HEADER_SIZE + " bytes");
            case null, default -> routes.replies().problem(ctx, request, ErrorCode.INVALID_MESSAGE, "Malformed HTTP request");
        }
    }

    private void onlyGet(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, Runnable route) {
        if (HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method())) {
            route.run();
        } else {
            routes.replies().problem(ctx, request, ErrorCode.METHOD_NOT_ALLOWED, query.path() + " takes GET");
        }
    }

    private void onlyPost(ChannelHandlerContext ctx, FullHttpRequest request, Runnable route) {
        if (HttpMethod.POST.equals(request.method())) {
            route.run();
        } else {
            routes.replies().problem(ctx, request, ErrorCode.METHOD_NOT_ALLOWED,
                    new QueryStringDecoder(request.uri()).path() + " takes POST");
        }
    }

    private void doPreflight(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        routes.replies().cors().applyPreflight(request, response.headers());
        routes.replies().send(ctx, request, response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("closing connection from {} after an error: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
