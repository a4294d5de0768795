package io.c254.streaming.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.c254.streaming.transport.PendingConnections;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The listening socket and its event loops: native epoll where available, NIO elsewhere. One loop per core by default. */
public final class HttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private HttpServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /**
     * @param eventLoops threads for the connections: one per core (Netty's default of two per core only adds
     *                   context switches to a fan-out whose every loop is busy at the same moments)
     * @param tls        null for plain HTTP and WS; otherwise HTTPS and WSS on the same port
     */
    public static HttpServer start(String host, int port, Routes routes, PendingConnections pending, int maxBodyBytes, int maxClientBufferBytes, SslContext tls,
                                   int eventLoops) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(eventLoops, io);
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // past the high mark a channel is unwritable, and the next batch for it closes it as a slow consumer
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(maxClientBufferBytes / 2, maxClientBufferBytes))
                    .childHandler(new ServerInitializer(routes, pending, maxBodyBytes, tls))
                    .bind(new InetSocketAddress(host, port)).sync().channel();
            log.info("listening on {} with {} transport{}", channel.localAddress(), epoll ? "epoll" : "NIO", tls == null ? "" : " and TLS");
            return new HttpServer(boss, workers, channel);
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public EventLoopGroup workers() {
        return workers;
    }

    /** Stops accepting; open connections stay until {@link #close()}. */
    public void stopAccepting() {
        channel.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        stopAccepting();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
