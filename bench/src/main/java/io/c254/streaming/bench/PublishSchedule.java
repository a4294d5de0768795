package io.c254.streaming.bench;

/**
 * Publishes at a fixed rate: record n is due at start + n / rate, whatever the sends before it took, so a
 * late send is followed by the next ones back to back until the schedule is caught up (no drift from
 * sleeping 1/rate after each). The first {@code warmup × rate} records are the warm-up; the next
 * {@code duration × rate} the measured window, which ends at its scheduled end, after which nothing is published.
 */
final class PublishSchedule {

    /** Called on the publishing thread exactly at the window's scheduled start and end. */
    interface Window {
        void onStart();

        void onEnd();
    }

    /** @param published records published inside the window; @param maxBehindMillis the worst lateness of a send */
    record Outcome(long published, double maxBehindMillis) {
    }

    private final Options options;
    private final Publisher publisher;
    private final BenchRecords records;

    PublishSchedule(Options options, Publisher publisher, BenchRecords records) {
        this.options = options;
        this.publisher = publisher;
        this.records = records;
    }

    Outcome run(Window window) {
        long firstWindowSeq = options.firstWindowSeq();
        long end = firstWindowSeq + options.windowRecords();
        long start = System.nanoTime();
        if (options.rate() == 0) {
            // nothing to publish (idle connections): the window still has its length
            Pace.parkUntil(start + options.warmupSeconds() * 1_000_000_000L);
            window.onStart();
            Pace.parkUntil(start + (options.warmupSeconds() + (long) options.durationSeconds()) * 1_000_000_000L);
            window.onEnd();
            return new Outcome(0, 0);
        }
        double periodNanos = 1e9 / options.rate();
        long maxBehind = 0;
        for (long seq = 0; seq < end; seq++) {
            long due = start + (long) (seq * periodNanos);
            Pace.parkUntil(due);
            if (seq == firstWindowSeq) {
                window.onStart();
            }
            maxBehind = Math.max(maxBehind, System.nanoTime() - due);
            int instrument = (int) (seq % options.instruments());
            publisher.publish(instrument, records.build(instrument, Micros.now(), seq));
        }
        Pace.parkUntil(start + (long) (end * periodNanos));
        window.onEnd();
        return new Outcome(options.windowRecords(), maxBehind / 1e6);
    }
}
