package io.c254.streaming.http;

import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.HttpReplies;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The web console: its files under `/console/` (open to all: they hold no data) and the data it shows,
 * `GET /admin/overview`, for admins only outside local mode ({@link AdminAccess}).
 */
public final class ConsoleEndpoints {

    private final AdminAccess access;
    private final AdminOverview overview;
    private final ConsoleFiles files = ConsoleFiles.load();
    private final HttpReplies replies;
    private final AdminEndpoints admin;

    /** @param admin what /health and /stats show (version, uptime, delivery rates), shown here the same */
    public ConsoleEndpoints(AdminAccess access, AdminOverview.Sources sources, AdminEndpoints admin, HttpReplies replies) {
        this.access = access;
        this.overview = new AdminOverview(sources, admin.deliveryRates());
        this.admin = admin;
        this.replies = replies;
    }

    /** Samples the overview's rates and latency once a second on the given executor (an event loop). */
    public void startSampling(EventExecutor timer) {
        timer.scheduleAtFixedRate(overview::sample, 0, 1, TimeUnit.SECONDS);
    }

    void onOverview(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query) {
        access.check(request, query).whenComplete((refusal, failure) -> ctx.executor().execute(() -> {
            if (failure != null) {
                replies.problem(ctx, request, ErrorCode.INTERNAL_ERROR, "The admin check failed; try again");
            } else if (refusal.isPresent()) {
                replies.problem(ctx, request, refusal.get());
            } else {
                replies.json(ctx, request, HttpResponseStatus.OK, overview.render(admin.build(), admin.uptimeSeconds()));
            }
        }));
    }

    /**
     * `/console` itself is sent to `/console/`, so that the page's relative addresses resolve inside it. The
     * address is relative, so a proxy that serves the gateway under a path prefix keeps it.
     */
    void onFile(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        if (path.equals("/console")) {
            FullHttpResponse redirect = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND, Unpooled.EMPTY_BUFFER);
            redirect.headers().set(HttpHeaderNames.LOCATION, "console/");
            replies.send(ctx, request, redirect);
            return;
        }
        Optional<FullHttpResponse> file = files.answer(path);
        if (file.isPresent()) {
            replies.send(ctx, request, file.get());
        } else {
            replies.problem(ctx, request, Problem.of(ErrorCode.NOT_FOUND,
                    "No console file " + path + "; the console is at " + ConsoleFiles.PREFIX));
        }
    }

    static boolean isConsolePath(String path) {
        return path.equals("/console") || path.startsWith(ConsoleFiles.PREFIX);
    }
}
