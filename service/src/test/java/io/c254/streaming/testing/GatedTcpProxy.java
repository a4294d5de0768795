package io.c254.streaming.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP forwarder on loopback that accepts connections but holds them, bytes and all, until it is
 * opened: a peer that is "not there yet" for as long as a test needs, without any timing. Given to the
 * service as its Kafka bootstrap address, it keeps the consumer from learning anything about the
 * cluster until the test has its clients in place (after the first metadata answer the consumer talks
 * to the broker's advertised address directly).
 */
public final class GatedTcpProxy implements AutoCloseable {

    private static final long HOLD_AT_MOST_SECONDS = 60;

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final CountDownLatch gate = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private GatedTcpProxy(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
        Thread.ofVirtual().name("gated-proxy-accept").start(this::acceptLoop);
    }

    /** @param hostPort where to forward, e.g. {@code 127.0.0.1:9092} */
    public static GatedTcpProxy to(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        return new GatedTcpProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), target);
    }

    /** The address to connect to instead of the target's, {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Lets every held and future connection through to the target. */
    public void open() {
        gate.countDown();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                Thread.ofVirtual().name("gated-proxy-connection").start(() -> forward(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void forward(Socket client) {
        try {
            if (!gate.await(HOLD_AT_MOST_SECONDS, TimeUnit.SECONDS)) {
                client.close();
                return;
            }
            Socket upstream = new Socket();
            sockets.add(upstream);
            upstream.connect(target, 10_000);
            Thread.ofVirtual().name("gated-proxy-up").start(() -> pipe(client, upstream));
            pipe(upstream, client);
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
        }
    }

    /** Copies until either side ends, then closes both (a half-open pair would hang its reader). */
    private static void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException ended) {
            // one side closed: the finally below ends the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(GatedTcpProxy::closeQuietly);
    }
}
