package io.c254.streaming.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;

/**
 * Scenario g's stalled clients: WebSocket subscribers of the gateway's default topic, each with a small receive
 * buffer, that stop reading once established (see {@link StalledClientHandler}). On their own event loop, so
 * that they never slow the live subscribers' client threads.
 */
final class StalledClients implements AutoCloseable {

    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final Options options;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final Connections connections;
    private final LongAdder receivedAfterResume = new LongAdder();
    private final List<Channel> channels = new ArrayList<>();
    private final List<StalledClientHandler> handlers = new ArrayList<>();

    StalledClients(Options options) {
        this.options = options;
        this.connections = new Connections(options.stall().clients());
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds()))
                // before connect, so that the window the client offers (and its scaling) stays small
                .option(ChannelOption.SO_RCVBUF, options.stall().receiveBufferBytes());
    }

    /** Connects every stalled client at the ramp's pace; waits, bounded, until each is established (and stalled) or failed. */
    Connections connectAll() throws InterruptedException {
        long start = System.nanoTime();
        double gapNanos = 1e9 / options.rampPerSecond();
        for (int i = 0; i < options.stall().clients(); i++) {
            Pace.parkUntil(start + (long) (i * gapNanos));
            connect(new Subscriber(i, -1, connections));
        }
        connections.awaitSettled(options.connectTimeoutSeconds(), TimeUnit.SECONDS);
        return connections;
    }

    /** Every client reads again; waits (bounded) for what the gateway kept for them to arrive. */
    void resumeReading(long seconds) throws InterruptedException {
        for (int i = 0; i < channels.size(); i++) {
            Channel channel = channels.get(i);
            StalledClientHandler handler = handlers.get(i);
            channel.eventLoop().execute(() -> {
                if (channel.pipeline().context(handler) != null) {
                    handler.resume(channel.pipeline().context(handler));
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long last = -1;
        // done when nothing more arrived for a second
        while (System.nanoTime() < deadline && receivedAfterResume.sum() != last) {
            last = receivedAfterResume.sum();
            Thread.sleep(1000);
        }
    }

    long receivedAfterResume() {
        return receivedAfterResume.sum();
    }

    /** How many clients ended up how: "open", "closed 4001", "closed without a close frame", "never established". */
    Map<String, Long> fates() {
        Map<String, Long> fates = new TreeMap<>();
        for (StalledClientHandler handler : handlers) {
            String fate = switch (handler.fate()) {
                case OPEN -> "open";
                case CLOSED_WITH_CODE -> "closed " + handler.closeCode();
                case CLOSED_WITHOUT_CLOSE_FRAME -> "closed without a close frame";
                case NEVER_OK -> "never established";
            };
            fates.merge(fate, 1L, Long::sum);
        }
        return fates;
    }

    Connections connections() {
        return connections;
    }

    @Override
    public void close() {
        connections.closing();
        channels.forEach(Channel::close);
        channels.forEach(channel -> channel.closeFuture().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private void connect(Subscriber subscriber) {
        StalledClientHandler handler = new StalledClientHandler(subscriber, options.stall().pongSeconds(), receivedAfterResume);
        String hostHeader = options.urlHost() + ":" + options.port();
        URI uri = URI.create("ws://" + hostHeader + options.peer().subscribePath(options, -1));
        Channel channel = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                .webSocketUri(uri)
                                .handshakeTimeoutMillis(TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds()))
                                .maxFramePayloadLength(1 << 20)
                                .withUTF8Validator(false)
                                // the gateway's close frame (its code) is this scenario's finding: the handler reads it
                                .handleCloseFrames(false)
                                .build()),
                        handler);
            }
        }).connect(new InetSocketAddress(options.urlHost(), options.port())).addListener(done -> {
            if (!done.isSuccess()) {
                subscriber.onFailed(Failures.describe(done.cause()));
            }
        }).channel();
        subscriber.attach(channel);
        channels.add(channel);
        handlers.add(handler);
    }
}
