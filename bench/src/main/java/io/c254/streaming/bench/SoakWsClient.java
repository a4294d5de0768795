package io.c254.streaming.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * One WebSocket client of the soak, for the whole run: it connects with a fresh token, takes the subscriptions of
 * its profile, then every few seconds does one thing a real client does (changes a subscription, refreshes its
 * token, stops reading for a while, pings, leaves) until its connection's lifetime is over; whichever way the
 * connection ends, it connects again after a pause. Everything runs on its one event loop.
 */
final class SoakWsClient {

    private static final Pattern ERROR_CODE = Pattern.compile("\"error\"\\s*:\\s*\"([A-Z_]+)\"");
    private static final int MAX_HEAD = 64;

    private final int index;
    private final SoakOptions options;
    private final SoakActivity activity;
    private final SignedTokens tokens;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private Channel channel;
    private boolean stopped;
    private boolean reading = true;
    private long endOfLifeNanos;
    private long retryAfterMillis;

    SoakWsClient(int index, SoakOptions options, SoakActivity activity, SignedTokens tokens, EventLoop loop, Bootstrap bootstrap) {
        this.index = index;
        this.options = options;
        this.activity = activity;
        this.tokens = tokens;
        this.loop = loop;
        this.bootstrap = bootstrap.clone(loop);
    }

    /** The first connection, after {@code delayMillis} (the clients start spread out). */
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

    private String user() {
        return "soak-user-" + index % options.users();
    }

    private String tenant() {
        return "tenant-" + index % options.tenants();
    }

    private void connect() {
        if (stopped) {
            return;
        }
        activity.count("ws connect attempts");
        String token = tokens.issue(user(), tenant());
        URI uri = URI.create("ws://" + options.host() + ":" + options.port() + "/ws/stream?token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8));
        channel = bootstrap.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65_536),
                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                .webSocketUri(uri)
                                .handshakeTimeoutMillis(10_000)
                                .maxFramePayloadLength(1 << 20)
                                .withUTF8Validator(false)
                                .handleCloseFrames(false)
                                .build()),
                        new Handler());
            }
        }).connect(new InetSocketAddress(options.host(), options.port())).addListener(done -> {
            if (!done.isSuccess()) {
                activity.count("ws connect failed");
            }
        }).channel();
        channel.closeFuture().addListener(closed -> reconnectLater());
    }

    /** After a refusal, as long as its Retry-After said; otherwise after 1 to 5 s. */
    private void reconnectLater() {
        long millis = retryAfterMillis > 0 ? retryAfterMillis : randomMillis(1_000, 5_000);
        retryAfterMillis = 0;
        if (!stopped) {
            loop.schedule(this::connect, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void onEstablished(ChannelHandlerContext ctx) {
        activity.count("ws established");
        reading = true;
        endOfLifeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(randomMillis(30_000, 300_000));
        // the default subscription (the latest topic, unfiltered) is taken at connect; the profile adds to it
        switch (index % 4) {
            case 1 -> send(ctx, SoakCommands.subscribe(SoakCommands.LATEST, SoakCommands.instruments(index, 2), 0));
            case 2 -> send(ctx, SoakCommands.subscribe(SoakCommands.STREAM, null, 0));
            case 3 -> {
                send(ctx, SoakCommands.subscribe(SoakCommands.STREAM, SoakCommands.instruments(index, 1), 0));
                send(ctx, SoakCommands.subscribe(SoakCommands.LATEST, null, 2));
            }
            default -> { }
        }
        scheduleAction(ctx);
    }

    private void scheduleAction(ChannelHandlerContext ctx) {
        ctx.executor().schedule(() -> act(ctx), randomMillis(3_000, 15_000), TimeUnit.MILLISECONDS);
    }

    /** One thing a client does now and then; the connection leaves once its lifetime is over. */
    private void act(ChannelHandlerContext ctx) {
        if (stopped || !ctx.channel().isActive()) {
            return;
        }
        if (System.nanoTime() > endOfLifeNanos) {
            activity.count("ws left (lifetime over)");
            ctx.close();
            return;
        }
        if (!reading) {
            // a client that stopped reading sends nothing either: past the heartbeat timeout the gateway ends it (4000)
            scheduleAction(ctx);
            return;
        }
        int roll = ThreadLocalRandom.current().nextInt(100);
        if (roll < 30) {
            String topic = ThreadLocalRandom.current().nextBoolean() ? SoakCommands.LATEST : SoakCommands.STREAM;
            send(ctx, SoakCommands.unsubscribe(topic));
            send(ctx, SoakCommands.subscribe(topic, ThreadLocalRandom.current().nextBoolean()
                    ? SoakCommands.instruments(ThreadLocalRandom.current().nextInt(16), 3) : null, 0));
            activity.count("ws subscription churn");
        } else if (roll < 45) {
            doRefresh(ctx);
        } else if (roll < 55) {
            doPause(ctx);
        } else if (roll < 60) {
            activity.count("ws left (at random)");
            ctx.close();
            return;
        } else {
            send(ctx, "{\"action\":\"ping\",\"data\":{}}");
        }
        scheduleAction(ctx);
    }

    private void doRefresh(ChannelHandlerContext ctx) {
        send(ctx, "{\"action\":\"refresh\",\"data\":{\"token\":\"" + tokens.issue(user(), tenant()) + "\"}}");
        activity.count("ws refresh sent");
    }

    /** Stops reading for 5 to 40 s: past the heartbeat timeout (30 s) the gateway may end it. */
    private void doPause(ChannelHandlerContext ctx) {
        reading = false;
        activity.count("ws paused reading");
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> {
            reading = true;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }, randomMillis(5_000, 40_000), TimeUnit.MILLISECONDS);
    }

    private void send(ChannelHandlerContext ctx, String command) {
        ctx.writeAndFlush(new TextWebSocketFrame(command));
    }

    private void onText(ChannelHandlerContext ctx, ByteBuf content) {
        String head = content.toString(content.readerIndex(), Math.min(MAX_HEAD, content.readableBytes()), StandardCharsets.UTF_8);
        if (head.startsWith("{\"type\":\"data\"") || head.startsWith("{\"type\":\"snapshot\"")) {
            activity.count("ws data received");
            return;
        }
        String text = content.toString(StandardCharsets.UTF_8);
        if (text.contains("\"type\":\"connection_established\"")) {
            onEstablished(ctx);
        } else if (text.contains("\"type\":\"refreshed\"")) {
            activity.count("ws refreshed");
        } else if (text.contains("\"type\":\"error\"")) {
            Matcher code = ERROR_CODE.matcher(text);
            String error = code.find() ? code.group(1) : "?";
            activity.count("ws error " + error);
            // a client refreshes when warned, most of the time; the others are closed with 4002 at exp
            if (error.equals("TOKEN_EXPIRED") && ThreadLocalRandom.current().nextInt(10) < 8) {
                doRefresh(ctx);
            }
        }
    }

    private static long randomMillis(long from, long to) {
        return ThreadLocalRandom.current().nextLong(from, to);
    }

    /** The connection's pipeline end: established, messages, the gateway's close code, refusals. */
    private final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame) {
                onText(ctx, frame.content());
            } else if (frame instanceof CloseWebSocketFrame close) {
                activity.count("ws closed by gateway " + close.statusCode());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof WebSocketClientHandshakeException refused && refused.response() != null) {
                activity.count("ws refused " + refused.response().status().code());
                String retryAfter = refused.response().headers().get(HttpHeaderNames.RETRY_AFTER);
                if (retryAfter != null && retryAfter.matches("\\d+")) {
                    retryAfterMillis = TimeUnit.SECONDS.toMillis(Long.parseLong(retryAfter));
                }
            } else {
                activity.count("ws failed " + Failures.describe(cause).replaceAll("[:(].*", ""));
            }
            ctx.close();
        }
    }
}
