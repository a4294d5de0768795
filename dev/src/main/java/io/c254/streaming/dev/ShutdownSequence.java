package io.c254.streaming.dev;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes what dev mode started, newest first, when the JVM exits (Ctrl-C, or System.exit after a
 * start-up failure): the service stops reading before the feed stops writing, and the broker goes
 * last because both talk to it.
 */
final class ShutdownSequence {

    private static final Logger log = LoggerFactory.getLogger(ShutdownSequence.class);

    private final Deque<Step> steps = new ArrayDeque<>();
    private final Duration budget;

    private record Step(String name, AutoCloseable resource) {
    }

    /** @param budget how long the hook may take in all; past it the JVM exits regardless */
    ShutdownSequence(Duration budget) {
        this.budget = budget;
    }

    /** Registers the JVM shutdown hook; call once, before starting anything. */
    ShutdownSequence install() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("dev-shutdown").unstarted(this::runBounded));
        return this;
    }

    /** Remembers {@code resource} to be closed before everything added earlier; returns it. */
    synchronized <T extends AutoCloseable> T add(String name, T resource) {
        steps.push(new Step(name, resource));
        return resource;
    }

    /** Closes everything added so far, newest first; each failure is logged and the rest still close. */
    void closeAll() {
        Step step;
        while ((step = next()) != null) {
            close(step);
        }
    }

    private synchronized boolean isEmpty() {
        return steps.isEmpty();
    }

    private synchronized Step next() {
        return steps.poll();
    }

    private static void close(Step step) {
        log.info("Stopping {}", step.name());
        try {
            step.resource().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while stopping {}", step.name());
        } catch (Exception e) {
            log.warn("Could not stop {} cleanly: {}", step.name(), e.toString());
        }
    }

    /** The JVM waits for a hook forever; a component stuck in close must not keep Ctrl-C from working. */
    private void runBounded() {
        if (isEmpty()) {
            return; // failed before anything started: nothing to report either
        }
        Thread closer = Thread.ofPlatform().daemon().name("dev-shutdown-closer").start(this::closeAll);
        try {
            closer.join(budget);
            if (closer.isAlive()) {
                log.warn("Shutdown took longer than {} s; exiting anyway", budget.toSeconds());
            } else {
                log.info("Dev mode stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
