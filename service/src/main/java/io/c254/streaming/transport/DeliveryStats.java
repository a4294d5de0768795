package io.c254.streaming.transport;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Transport;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Data messages written to clients and connections the server ended, per transport, for /stats and /metrics. */
public final class DeliveryStats {

    private final Map<Transport, Counter> sent = new EnumMap<>(Transport.class);

    public DeliveryStats() {
        for (Transport transport : Transport.values()) {
            sent.put(transport, new Counter());
        }
    }

    public Counter counter(Transport transport) {
        return sent.get(transport);
    }

    public long sent(Transport transport) {
        return sent.get(transport).sum();
    }

    /** Sums that many event loops add to without contention. */
    public static final class Counter {
        private final LongAdder adder = new LongAdder();
        private final Map<CloseReason, LongAdder> closes = new EnumMap<>(CloseReason.class);

        Counter() {
            for (CloseReason reason : CloseReason.values()) {
                closes.put(reason, new LongAdder());
            }
        }

        /** Messages flushed to one connection in one turn of its event loop. */
        void add(int count) {
            adder.add(count);
        }

        void onClosed(CloseReason reason) {
            closes.get(reason).increment();
        }

        public long sum() {
            return adder.sum();
        }

        /** Connections the server ended for this reason (slow consumers, heartbeat timeouts, ...). */
        public long closed(CloseReason reason) {
            return closes.get(reason).sum();
        }
    }
}
