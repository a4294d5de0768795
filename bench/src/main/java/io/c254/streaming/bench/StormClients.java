package io.c254.streaming.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario h's storm clients: WebSocket subscribers that connect, all drop at once, and reconnect within a
 * second, each refused attempt retried after the seconds its Retry-After says (an attempt that got no answer
 * after {@code --storm-error-retry-ms}). Every phase is bounded: in attempts per client and in time.
 */
final class StormClients implements StormClientHandler.Outcome, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StormClients.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final Options options;
    private final StormOptions storm;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final InetSocketAddress remote;
    private final URI uri;
    private final List<StormClient> clients = new ArrayList<>();
    private final LongAdder lost = new LongAdder();
    private volatile StormTally tally;
    private volatile CountDownLatch settled;
    private volatile boolean closing;

    StormClients(Options options) {
        this.options = options;
        this.storm = options.storm();
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(options.clientThreads(), epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) TimeUnit.SECONDS.toMillis(options.connectTimeoutSeconds()))
                .option(ChannelOption.TCP_NODELAY, true);
        if (epoll && storm.sourceAddresses() > 1) {
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        this.remote = new InetSocketAddress(options.urlHost(), options.port());
        this.uri = URI.create("ws://" + options.urlHost() + ":" + options.port() + options.peer().subscribePath(options, -1));
        for (int i = 0; i < storm.clients(); i++) {
            clients.add(new StormClient(i, new InetSocketAddress("127.0.0." + (1 + i % storm.sourceAddresses()), 0)));
        }
    }

    /** The first connections, at the ramp's pace; returns once every client is back or gave up, or the timeout passed. */
    StormTally connectAll() throws InterruptedException {
        StormTally first = beginPhase();
        long start = System.nanoTime();
        double gapNanos = 1e9 / storm.rampPerSecond();
        for (StormClient client : clients) {
            Pace.parkUntil(start + (long) (client.index() * gapNanos));
            attempt(client);
        }
        awaitPhase();
        return first;
    }

    /** Every client drops its connection at once, then reconnects at a random moment within the storm's spread. */
    StormTally dropAndReconnect() throws InterruptedException {
        List<Channel> open = new ArrayList<>();
        for (StormClient client : clients) {
            client.resetAttempts();
            if (client.channel() != null) {
                open.add(client.channel());
            }
        }
        StormTally storm = beginPhase();
        open.forEach(Channel::close);
        for (StormClient client : clients) {
            long delay = this.storm.withinMillis() == 0 ? 0 : ThreadLocalRandom.current().nextLong(this.storm.withinMillis());
            group.schedule(() -> attempt(client), delay, TimeUnit.MILLISECONDS);
        }
        log.info("dropped {} storm connections; reconnecting within {} ms", open.size(), this.storm.withinMillis());
        awaitPhase();
        return storm;
    }

    /** Clients that were back and lost their connection without being dropped (the gateway closed them). */
    long lost() {
        return lost.sum();
    }

    private StormTally beginPhase() {
        settled = new CountDownLatch(clients.size());
        tally = new StormTally();
        return tally;
    }

    private void awaitPhase() throws InterruptedException {
        if (!settled.await(storm.timeoutSeconds(), TimeUnit.SECONDS)) {
            log.warn("{} storm clients not back within {} s", settled.getCount(), storm.timeoutSeconds());
        }
    }

    private void attempt(StormClient client) {
        if (closing) {
            return;
        }
        client.nextAttempt();
        tally.onAttempt();
        Bootstrap own = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65_536),
                        new StormClientHandler(client, uri, StormClients.this));
            }
        });
        (storm.sourceAddresses() > 1 ? own.connect(remote, client.source()) : own.connect(remote)).addListener(done -> {
            if (!done.isSuccess()) {
                onFailed(client, Failures.describe(done.cause()));
            }
        });
    }

    @Override
    public void onBack(StormClient client, ChannelHandlerContext ctx) {
        client.onBack(ctx.channel());
        tally.onBack();
        settled.countDown();
    }

    @Override
    public void onRefused(StormClient client, int status, String code, String retryAfter) {
        tally.onRefused(status, code, retryAfter);
        long seconds;
        try {
            seconds = Long.parseLong(retryAfter);
        } catch (NumberFormatException e) {
            retry(client, storm.errorRetryMillis());
            return;
        }
        retry(client, TimeUnit.SECONDS.toMillis(seconds));
    }

    @Override
    public void onFailed(StormClient client, String reason) {
        tally.onError(reason);
        retry(client, storm.errorRetryMillis());
    }

    @Override
    public void onLost(StormClient client) {
        if (!closing) {
            lost.increment();
        }
    }

    private void retry(StormClient client, long millis) {
        if (closing) {
            return;
        }
        if (client.nextAttemptAllowed(storm.maxAttempts())) {
            group.schedule(() -> attempt(client), millis, TimeUnit.MILLISECONDS);
        } else {
            tally.onGaveUp();
            settled.countDown();
        }
    }

    @Override
    public void close() {
        closing = true;
        List<Channel> open = clients.stream().map(StormClient::channel).filter(c -> c != null && c.isOpen()).toList();
        open.forEach(Channel::close);
        open.forEach(channel -> channel.closeFuture().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
