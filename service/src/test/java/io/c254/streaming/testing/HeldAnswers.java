package io.c254.streaming.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a test peer hold its answers: requests that arrive between {@link #hold()} and {@link #release()}
 * wait in their handler thread, so a test can line up callers behind one slow answer.
 */
final class HeldAnswers {

    private volatile CountDownLatch held;

    void hold() {
        held = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch latch = held;
        held = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Called by a request handler before it answers. */
    void awaitRelease() {
        CountDownLatch latch = held;
        if (latch == null) {
            return;
        }
        try {
            // bounded, so that a test that forgets to release cannot hold a handler thread for ever
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
