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

    /**
     * Writes a last answer to a client that may be hostile, then closes as above after a short grace. The
     * socket goes after twice the grace even when the answer is never written (a TLS client that never
     * finishes its handshake), so that such a client cannot hold it.
     */
    public static void answerThenClose(Channel channel, Object answer, Duration grace) {
        channel.writeAndFlush(answer).addListener(written -> afterLastWrite(channel, grace));
        channel.eventLoop().schedule(() -> channel.close(), 2 * grace.toNanos(), TimeUnit.NANOSECONDS);
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
