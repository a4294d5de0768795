package io.c254.streaming.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriber connections of one run, on one small event-loop group (epoll where available). Connections
 * are opened at a fixed pace ({@code --ramp-per-second}), spread over source addresses 127.0.0.1…N when
 * asked (each address has its own ~28k ephemeral ports), and every one must become ok within a deadline or
 * counts as failed.
 */
final class SubscriberPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SubscriberPool.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final Options options;
    private final RecordStamp.Sink deliveries;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Connections connections;
    private final List<Subscriber> subscribers = new ArrayList<>();

    SubscriberPool(Options options, RecordStamp.Sink deliveries) {
        this.options = options;
        this.deliveries = deliveries;
        this.connections = new Connections(options.subscribers());
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(options.clientThreads(), io);
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds()))
                .option(ChannelOption.TCP_NODELAY, true);
        if (epoll && options.sourceAddresses() > 1) {
            // bind the address but leave the port to connect(): ports are then shared across destinations
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        log.info("{} subscribers over {} ({} client thread(s))", options.subscribers(), epoll ? "epoll" : "NIO", options.clientThreads());
    }

    /** Opens every connection at the ramp's pace and waits, bounded, until each is ok or failed. */
    Connections connectAll() throws InterruptedException {
        long start = System.nanoTime();
        double gapNanos = 1e9 / options.rampPerSecond();
        for (int i = 0; i < options.subscribers(); i++) {
            Pace.parkUntil(start + (long) (i * gapNanos));
            connect(newSubscriber(i));
        }
        if (!connections.awaitSettled(options.connectTimeoutSeconds(), TimeUnit.SECONDS)) {
            subscribers.stream().filter(s -> s.state() == Subscriber.State.CONNECTING)
                    .forEach(s -> s.onFailed("not ok within " + options.connectTimeoutSeconds() + " s"));
        }
        return connections;
    }

    /** How many ok subscribers take each instrument's records (scenario f); unfiltered pools have none. */
    int[] okSubscribersPerInstrument() {
        int[] counts = new int[options.isFiltered() ? options.filtered() : 0];
        subscribers.stream()
                .filter(s -> s.filtered() && s.state() == Subscriber.State.OK)
                .forEach(s -> counts[s.instrument()]++);
        return counts;
    }

    /** Closes every connection and stops the event loops, each bounded; their figures are final after it. */
    @Override
    public void close() {
        connections.closing();
        channels.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            log.warn("client event loops did not stop within {} s", CLOSE_TIMEOUT_SECONDS);
        }
    }

    private Subscriber newSubscriber(int index) {
        int instrument = options.isFiltered() ? index % options.filtered() : -1;
        Subscriber subscriber = new Subscriber(index, instrument, connections);
        subscribers.add(subscriber);
        return subscriber;
    }

    private void connect(Subscriber subscriber) {
        InetSocketAddress remote = new InetSocketAddress(options.urlHost(), options.port());
        Bootstrap own = bootstrap.clone().handler(new SubscriberInitializer(options, subscriber, deliveries));
        ChannelFuture connecting = options.sourceAddresses() > 1
                ? own.connect(remote, sourceAddress(subscriber.index()))
                : own.connect(remote);
        subscriber.attach(connecting.channel());
        channels.add(connecting.channel());
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                subscriber.onFailed(Failures.describe(done.cause()));
            }
        });
    }

    private InetSocketAddress sourceAddress(int index) {
        return new InetSocketAddress("127.0.0." + (1 + index % options.sourceAddresses()), 0);
    }
}
