package io.c254.streaming.transport;

import io.c254.streaming.config.Config;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the connections that are not streams (yet): those still sending their request or waiting for
 * admission, and plain HTTP connections kept alive between requests. They are what a client without a
 * valid token can hold, so both the instance and each client address get a cap; a stream, once
 * started, counts against the connection limits instead.
 */
public final class PendingConnections {

    private final Config.PendingLimits limits;
    private final StreamingMetrics metrics;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, Integer> byAddress = new ConcurrentHashMap<>();

    public PendingConnections(Config.PendingLimits limits, StreamingMetrics metrics) {
        this.limits = limits;
        this.metrics = metrics;
    }

    public Config.PendingLimits limits() {
        return limits;
    }

    /** Takes a place for a new connection, or says why there is none; a place taken is given back by {@link #release}. */
    public Optional<Problem> tryOpen(String address) {
        if (total.incrementAndGet() > limits.maxPending()) {
            total.decrementAndGet();
            return refused(Problem.of(ErrorCode.CONNECTION_LIMIT_REACHED, "This instance has " + limits.maxPending()
                    + " connections that have not started a stream (ACCESS_MAX_PENDING_CONNECTIONS); connect again later"));
        }
        boolean[] refused = {false};
        byAddress.compute(address, (key, count) -> {
            int held = count == null ? 0 : count;
            refused[0] = held >= limits.maxPendingPerAddress();
            return refused[0] ? count : held + 1;
        });
        if (refused[0]) {
            total.decrementAndGet();
            return refused(Problem.of(ErrorCode.TOO_MANY_PENDING_CONNECTIONS, "Your address " + address + " has "
                    + limits.maxPendingPerAddress() + " connections that have not started a stream"
                    + " (ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS); finish or close one first"));
        }
        return Optional.empty();
    }

    private Optional<Problem> refused(Problem problem) {
        metrics.connectionRefused("http", problem.code());
        return Optional.of(problem);
    }

    /** A connection closed for taking too long in a phase: `request`, `handshake` or `keepalive`. */
    void timedOut(String phase) {
        metrics.connectionTimedOut(phase);
    }

    public void release(String address) {
        byAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        total.decrementAndGet();
    }

    /** Connections now holding a place. */
    public int count() {
        return total.get();
    }
}
