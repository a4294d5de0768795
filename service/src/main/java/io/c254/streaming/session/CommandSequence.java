package io.c254.streaming.session;

import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The commands of one connection, in the order they arrived: subscribe, unsubscribe, refresh, the
 * default subscriptions, SSE control calls. Each starts only once the one before it has finished, however
 * long that one waited (an entitlements call, a token check), so each takes effect and is answered in
 * order. Everything runs on the connection's event loop, where asynchronous checks complete back into it.
 */
final class CommandSequence {

    private static final Logger log = LoggerFactory.getLogger(CommandSequence.class);

    /** Past this many commands waiting for their turn, more are refused: a connection cannot queue without end. */
    static final int MAX_WAITING = 256;

    /** One command: starts on the event loop; the stage completes (on any thread) once the next may start. */
    interface Command extends Supplier<CompletionStage<?>> {
    }

    private final EventExecutor loop;
    // only touched on the loop
    private final ArrayDeque<Command> waiting = new ArrayDeque<>();
    private boolean running;

    CommandSequence(EventExecutor loop) {
        this.loop = loop;
    }

    EventExecutor loop() {
        return loop;
    }

    /**
     * Queues a command behind those already queued; safe from any thread.
     *
     * @param refused runs (on the loop) instead of the command when too many are waiting
     */
    void submit(Command command, Runnable refused) {
        if (loop.inEventLoop()) {
            enqueue(command, refused);
        } else {
            loop.execute(() -> enqueue(command, refused));
        }
    }

    /** The answer to a command refused because too many wait. */
    static Problem busy() {
        return Problem.of(ErrorCode.RATE_LIMITED, MAX_WAITING
                + " commands of this connection are already waiting for their turn; wait for their answers before sending more");
    }

    private void enqueue(Command command, Runnable refused) {
        if (waiting.size() >= MAX_WAITING) {
            refused.run();
            return;
        }
        waiting.add(command);
        if (!running) {
            runWaiting();
        }
    }

    /** Runs commands until one has to wait; its completion comes back here through the loop. */
    private void runWaiting() {
        running = true;
        Command next;
        while ((next = waiting.poll()) != null) {
            CompletableFuture<?> done = start(next);
            if (!done.isDone()) {
                done.whenComplete((result, failure) -> {
                    logFailure(failure);
                    loop.execute(this::runWaiting);
                });
                return;
            }
            if (done.isCompletedExceptionally()) {
                logFailure(done.exceptionNow());
            }
        }
        running = false;
    }

    /** Commands answer refusals as outcomes: one that fails is a bug, logged, and the next command runs all the same. */
    private static void logFailure(Throwable failure) {
        if (failure != null) {
            log.error("a connection command failed", failure);
        }
    }

    /** The stage, completing on the loop (at once when it already has): what depends on it then runs there. */
    static <T> CompletableFuture<T> completingOn(EventExecutor loop, CompletableFuture<T> stage) {
        if (stage.isDone()) {
            return stage;
        }
        CompletableFuture<T> hop = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> loop.execute(() -> {
            if (failure != null) {
                hop.completeExceptionally(failure);
            } else {
                hop.complete(value);
            }
        }));
        return hop;
    }

    private static CompletableFuture<?> start(Command command) {
        try {
            return command.get().toCompletableFuture();
        } catch (RuntimeException e) {
            // a bug in one command must not stop the connection's later commands
            return CompletableFuture.failedFuture(e);
        }
    }
}
