package io.c254.streaming.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One Server-Sent Events client of the soak, for the whole run: it opens a stream with its profile's topics and
 * filters and a fresh token, changes its subscriptions now and then with {@code POST /sse/subscribe} and
 * {@code /sse/unsubscribe}, stops reading for a while, and leaves when its lifetime is over; the gateway ends
 * the stream at the token's expiry. Whichever way the stream ends, it opens a new one after a pause.
 */
final class SoakSseClient {

    private static final Pattern CONNECTION_ID = Pattern.compile("\"connection_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ERROR_CODE = Pattern.compile("\"error\"\\s*:\\s*\"([A-Z_]+)\"");
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(10);

    private final int index;
    private final SoakOptions options;
    private final SoakActivity activity;
    private final SignedTokens tokens;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final HttpClient control;
    private Channel channel;
    private boolean stopped;
    private String token;
    private String connectionId;
    private long endOfLifeNanos;
    private long retryAfterMillis;

    SoakSseClient(int index, SoakOptions options, SoakActivity activity, SignedTokens tokens, EventLoop loop, Bootstrap bootstrap,
                  HttpClient control) {
        this.index = index;
        this.options = options;
        this.activity = activity;
        this.tokens = tokens;
        this.loop = loop;
        this.bootstrap = bootstrap.clone(loop);
        this.control = control;
    }

    void start(long delayMillis) {
        loop.schedule(this::connect, delayMillis, TimeUnit.MILLISECONDS);
    }

    void stop() {
        loop.execute(() -> {
            stopped = true;
            if (channel != null) {
                channel.close();
            }
        });
    }

    private void connect() {
        if (stopped) {
            return;
        }
        activity.count("sse connect attempts");
        token = tokens.issue("soak-user-" + index % options.users(), "tenant-" + index % options.tenants());
        connectionId = null;
        channel = bootstrap.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new Handler());
            }
        }).connect(new InetSocketAddress(options.host(), options.port())).addListener(done -> {
            if (!done.isSuccess()) {
                activity.count("sse connect failed");
            }
        }).channel();
        channel.closeFuture().addListener(closed -> {
            long millis = retryAfterMillis > 0 ? retryAfterMillis : ThreadLocalRandom.current().nextLong(1_000, 5_000);
            retryAfterMillis = 0;
            if (!stopped) {
                loop.schedule(this::connect, millis, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** The stream's query: a third unfiltered on the default topic, a third filtered on it, a third on the stream topic too. */
    private String path() {
        String query = "/sse/stream?token=" + encode(token);
        return switch (index % 3) {
            case 1 -> query + "&filters=" + encode(SoakCommands.instruments(index, 2));
            case 2 -> query + "&topics=" + encode(SoakCommands.LATEST + "," + SoakCommands.STREAM);
            default -> query;
        };
    }

    private void onOpened(ChannelHandlerContext ctx) {
        activity.count("sse established");
        endOfLifeNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ThreadLocalRandom.current().nextLong(30, 300));
        scheduleAction(ctx);
    }

    private void scheduleAction(ChannelHandlerContext ctx) {
        ctx.executor().schedule(() -> act(ctx), ThreadLocalRandom.current().nextLong(5_000, 20_000), TimeUnit.MILLISECONDS);
    }

    private void act(ChannelHandlerContext ctx) {
        if (stopped || !ctx.channel().isActive()) {
            return;
        }
        if (System.nanoTime() > endOfLifeNanos) {
            activity.count("sse left (lifetime over)");
            ctx.close();
            return;
        }
        int roll = ThreadLocalRandom.current().nextInt(100);
        if (roll < 40 && connectionId != null) {
            doControl(ThreadLocalRandom.current().nextBoolean());
        } else if (roll < 50) {
            activity.count("sse paused reading");
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }, ThreadLocalRandom.current().nextLong(5_000, 40_000), TimeUnit.MILLISECONDS);
        }
        scheduleAction(ctx);
    }

    /** Subscribes the stream to the stream topic (with a filter half the time), or unsubscribes it. */
    private void doControl(boolean subscribe) {
        String body = "{\"connection_id\":\"" + connectionId + "\",\"topic\":\"" + SoakCommands.STREAM + "\""
                + (subscribe && ThreadLocalRandom.current().nextBoolean() ? ",\"filters\":" + SoakCommands.instruments(index, 3) : "") + "}";
        String name = subscribe ? "subscribe" : "unsubscribe";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + options.host() + ":" + options.port() + "/sse/" + name))
                .timeout(CONTROL_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        control.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) ->
                activity.count("sse " + name + " " + (failure != null ? "failed" : String.valueOf(response.statusCode()))));
    }

    private void onEvent(ByteBuf bytes, int from, int to) {
        String event = bytes.toString(from, to - from, StandardCharsets.UTF_8);
        if (event.contains("event: data") || event.contains("event: snapshot\n")) {
            activity.count("sse data received");
        } else if (event.contains("event: connection_established")) {
            Matcher id = CONNECTION_ID.matcher(event);
            connectionId = id.find() ? id.group(1) : null;
        } else if (event.contains("event: error")) {
            Matcher code = ERROR_CODE.matcher(event);
            activity.count("sse error " + (code.find() ? code.group(1) : "?"));
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The stream's pipeline end: the request, the answer, the events. */
    private final class Handler extends SimpleChannelInboundHandler<HttpObject> implements SseEventSplitter.EventSink {

        private SseEventSplitter splitter;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            splitter = new SseEventSplitter(ctx.alloc());
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path());
            request.headers().set(HttpHeaderNames.HOST, options.host() + ":" + options.port())
                    .set(HttpHeaderNames.ACCEPT, "text/event-stream");
            ctx.writeAndFlush(request);
            super.channelActive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
            if (message instanceof HttpResponse response) {
                if (HttpResponseStatus.OK.equals(response.status())) {
                    onOpened(ctx);
                } else {
                    activity.count("sse refused " + response.status().code());
                    String retryAfter = response.headers().get(HttpHeaderNames.RETRY_AFTER);
                    if (retryAfter != null && retryAfter.matches("\\d+")) {
                        retryAfterMillis = TimeUnit.SECONDS.toMillis(Long.parseLong(retryAfter));
                    }
                    ctx.close();
                    return;
                }
            }
            if (message instanceof HttpContent content) {
                splitter.onChunk(content.content(), this);
            }
        }

        @Override
        public void onEvent(ByteBuf bytes, int from, int to) {
            SoakSseClient.this.onEvent(bytes, from, to);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (splitter != null) {
                splitter.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            activity.count("sse failed " + Failures.describe(cause).replaceAll("[:(].*", ""));
            ctx.close();
        }
    }
}
