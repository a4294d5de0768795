package io.c254.streaming.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after a last message without losing that message: only the sending half is shut,
 * and the socket is closed when the client closes its side, or after a grace period. Closing outright
 * while the client is still sending (the rest of an oversize body, a flood of frames) makes its kernel
 * answer with a reset that discards our last message before the client reads it.
 */
public final class GracefulClose {

    private static final Duration GRACE = Duration.ofSeconds(5);

    private GracefulClose() {
    }

    /** Call once the last message is written. */
    public static void afterLastWrite(Channel channel) {
        afterLastWrite(channel, GRACE);
    }

    /** With a grace of its own: short for a client that may be hostile. */
    public static void afterLastWrite(Channel channel, Duration grace) {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
            channel.eventLoop().schedule(() -> channel.close(), grace.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            channel.close();
        }
    }
}
