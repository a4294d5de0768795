package io.c254.streaming.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;

/**
 * What the subscribers received. A record counts for latency and loss when this run published it inside the
 * measured window: its {@code sent_us} is not older than the run and its {@code seq} is past the warm-up.
 * Anything else (warm-up records, a peer replaying an older run's last message) is counted apart, never as loss.
 *
 * <p>Each receiving thread keeps its own histogram ({@link LatencyTally}); they are merged once the threads
 * have stopped. Only the count of window records is shared, for the wait at the end of the run.
 */
final class Deliveries implements RecordStamp.Sink {

    private final long runStartMicros;
    private final long firstWindowSeq;
    private final LongAdder windowDelivered = new LongAdder();
    private final List<LatencyTally> tallies = new CopyOnWriteArrayList<>();
    private final ThreadLocal<LatencyTally> tally = ThreadLocal.withInitial(this::newTally);
    private volatile boolean recording = true;

    Deliveries(long runStartMicros, long firstWindowSeq) {
        this.runStartMicros = runStartMicros;
        this.firstWindowSeq = firstWindowSeq;
    }

    /** Called by a receiving thread for each record it read. */
    @Override
    public void onRecord(long sentMicros, long seq) {
        if (!recording) {
            return;
        }
        LatencyTally mine = tally.get();
        if (!inWindow(sentMicros, seq)) {
            mine.countOther();
            return;
        }
        mine.recordLatency(Micros.now() - sentMicros);
        windowDelivered.increment();
    }

    /** Whether this run published the record inside the measured window. */
    boolean inWindow(long sentMicros, long seq) {
        return sentMicros >= runStartMicros && seq >= firstWindowSeq;
    }

    long windowDelivered() {
        return windowDelivered.sum();
    }

    /** From now on nothing received counts: the grace period is over. */
    void stop() {
        recording = false;
    }

    /** Merged latencies; call once the receiving threads have stopped. */
    Histogram latencies() {
        Histogram merged = LatencyTally.newHistogram();
        tallies.forEach(t -> merged.add(t.histogram()));
        return merged;
    }

    long other() {
        return tallies.stream().mapToLong(LatencyTally::other).sum();
    }

    private LatencyTally newTally() {
        LatencyTally created = new LatencyTally();
        tallies.add(created);
        return created;
    }
}
