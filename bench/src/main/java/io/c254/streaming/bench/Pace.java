package io.c254.streaming.bench;

import java.util.concurrent.locks.LockSupport;

/** Waiting for a point on a schedule (System.nanoTime), so that pacing never drifts by the time work took. */
final class Pace {

    private Pace() {
    }

    static void parkUntil(long nanoTime) {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
