package io.c254.streaming.transport;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A connection's token expiry on its event loop: a warning a little before `exp` (so the client can
 * refresh) and the end at `exp`. Rescheduled when the token is refreshed; cancelled when the channel
 * closes. Use on the event loop only.
 */
public final class ExpiryTimer {

    private final Channel channel;
    private final Duration warningLead;
    private final Runnable onWarning;
    private final Runnable onExpired;
    private ScheduledFuture<?> warning;
    private ScheduledFuture<?> expiry;

    /** @param warningLead how long before expiry to warn; zero for no warning */
    public ExpiryTimer(Channel channel, Duration warningLead, Runnable onWarning, Runnable onExpired) {
        this.channel = channel;
        this.warningLead = warningLead;
        this.onWarning = onWarning;
        this.onExpired = onExpired;
        // a closed connection's timers must not keep it in memory until its token would have expired
        channel.closeFuture().addListener(closed -> cancel());
    }

    /** @param expiresAt null for a token that never expires */
    public void schedule(Instant expiresAt) {
        cancel();
        if (expiresAt == null || !channel.isOpen()) {
            return;
        }
        long untilExpiry = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis());
        if (!warningLead.isZero()) {
            long untilWarning = Math.max(0, untilExpiry - warningLead.toMillis());
            warning = channel.eventLoop().schedule(onWarning, untilWarning, TimeUnit.MILLISECONDS);
        }
        expiry = channel.eventLoop().schedule(onExpired, untilExpiry, TimeUnit.MILLISECONDS);
    }

    public void cancel() {
        if (warning != null) {
            warning.cancel(false);
        }
        if (expiry != null) {
            expiry.cancel(false);
        }
    }
}
