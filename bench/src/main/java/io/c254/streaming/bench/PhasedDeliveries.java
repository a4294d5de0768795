package io.c254.streaming.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What subscribers received in a run made of consecutive phases (scenarios g and h: a window alone, then one
 * under stalled clients or a reconnect storm). A record belongs to the phase in which it was sent: the last
 * phase begun at or before its {@code sent_us}, so a record that arrives late still counts in its phase, with
 * its latency. Records of an unmeasured phase (warm-up, the pauses in which the gateway is collected) and of
 * older runs are counted apart, never as loss.
 */
final class PhasedDeliveries implements RecordStamp.Sink {

    /** One phase: published records and their deliveries, from its start until the next phase begins. */
    static final class Phase {
        private final String name;
        private final boolean measured;
        private final long startMicros;
        private volatile long endMicros = Long.MAX_VALUE;
        private final LongAdder published = new LongAdder();
        private final LongAdder delivered = new LongAdder();
        private final Histogram latencies = new ConcurrentHistogram(LatencyTally.MAX_MICROS, 3);

        private Phase(String name, boolean measured, long startMicros) {
            this.name = name;
            this.measured = measured;
            this.startMicros = startMicros;
        }

        String name() {
            return name;
        }

        long published() {
            return published.sum();
        }

        long delivered() {
            return delivered.sum();
        }

        double seconds() {
            return ((endMicros == Long.MAX_VALUE ? Micros.now() : endMicros) - startMicros) / 1e6;
        }

        LatencySummary latency() {
            return LatencySummary.of(latencies);
        }

        /** Every record published in the phase was meant for each of {@code receivers} unfiltered subscribers. */
        long expected(int receivers) {
            return published() * receivers;
        }

        ResultLine figures(int receivers) {
            long expected = expected(receivers);
            long loss = expected - delivered();
            return new ResultLine()
                    .put("seconds", seconds())
                    .put("published", published())
                    .put("expected", expected)
                    .put("delivered", delivered())
                    .put("loss", loss)
                    .put("loss_pct", expected == 0 ? 0 : 100.0 * loss / expected)
                    .latency("latency_ms", latency());
        }
    }

    private final List<Phase> phases = new CopyOnWriteArrayList<>();
    private final LongAdder other = new LongAdder();

    /** Ends the current phase and begins {@code name} now. */
    Phase begin(String name, boolean measured) {
        long now = Micros.now();
        if (!phases.isEmpty()) {
            phases.get(phases.size() - 1).endMicros = now;
        }
        Phase phase = new Phase(name, measured, now);
        phases.add(phase);
        return phase;
    }

    /** The publisher sent a record at {@code sentMicros}. */
    void onPublished(long sentMicros) {
        Phase phase = phaseAt(sentMicros);
        if (phase != null) {
            phase.published.increment();
        }
    }

    @Override
    public void onRecord(long sentMicros, long seq) {
        Phase phase = phaseAt(sentMicros);
        if (phase == null || !phase.measured) {
            other.increment();
            return;
        }
        phase.latencies.recordValue(Math.max(0, Math.min(LatencyTally.MAX_MICROS, Micros.now() - sentMicros)));
        phase.delivered.increment();
    }

    long other() {
        return other.sum();
    }

    private Phase phaseAt(long sentMicros) {
        for (int i = phases.size() - 1; i >= 0; i--) {
            Phase phase = phases.get(i);
            if (phase.startMicros <= sentMicros) {
                return phase;
            }
        }
        return null;
    }
}
