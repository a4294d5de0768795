package io.c254.streaming.bench;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes at a fixed rate on its own thread until stopped, for runs made of phases whose lengths are not
 * known in advance (scenarios g, h and the soak). As in {@link PublishSchedule}, record n is due at
 * start + n / rate, so a late send is followed by the next ones at once and the rate does not drift. The rate may
 * change on the way (scenario g fills the stalled clients' bound faster than it measures); the schedule then
 * starts again from that record.
 */
final class PacedPublisher implements AutoCloseable {

    /** Told of each record as it is sent. */
    interface Listener {
        void onPublished(long sentMicros);
    }

    private static final Logger log = LoggerFactory.getLogger(PacedPublisher.class);
    /** Records of a run are numbered below this; BenchRecords checks at start that they fit their size. */
    static final long MAX_SEQ = 1_000_000_000L;

    private final Publisher publisher;
    private final BenchRecords records;
    private volatile int rate;
    private final int instruments;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile double maxBehindMillis;

    private PacedPublisher(Publisher publisher, BenchRecords records, int rate, int instruments, Listener listener, String name) {
        this.publisher = publisher;
        this.records = records;
        this.rate = rate;
        this.instruments = instruments;
        this.listener = listener;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** @param instruments records cycle through instruments I0 … I(instruments − 1) */
    static PacedPublisher start(Publisher publisher, int size, int rate, int instruments, Listener listener, String name) {
        BenchRecords records = new BenchRecords(size);
        records.checkFits(MAX_SEQ, instruments);
        PacedPublisher paced = new PacedPublisher(publisher, records, rate, instruments, listener, name);
        paced.thread.start();
        return paced;
    }

    /** From the next record on, publishes at {@code perSecond} (the schedule starts again from now). */
    void changeRate(int perSecond) {
        rate = perSecond;
    }

    double maxBehindMillis() {
        return maxBehindMillis;
    }

    private void run() {
        int current = rate;
        long start = System.nanoTime();
        long firstSeq = 0;
        long maxBehind = 0;
        for (long seq = 0; !stopped && seq < MAX_SEQ; seq++) {
            if (rate != current) {
                current = rate;
                start = System.nanoTime();
                firstSeq = seq;
            }
            long due = start + (long) ((seq - firstSeq) * 1e9 / current);
            Pace.parkUntil(due);
            maxBehind = Math.max(maxBehind, System.nanoTime() - due);
            maxBehindMillis = maxBehind / 1e6;
            int instrument = (int) (seq % instruments);
            long sent = Micros.now();
            try {
                publisher.publish(instrument, records.build(instrument, sent, seq));
                listener.onPublished(sent);
            } catch (RuntimeException e) {
                log.warn("publish failed: {}", Failures.describe(e));
            }
        }
    }

    /** Stops publishing (bounded wait for the thread); the publisher itself is closed by its owner. */
    @Override
    public void close() {
        stopped = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
