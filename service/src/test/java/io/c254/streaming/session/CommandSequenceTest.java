package io.c254.streaming.session;

import ch.qos.logback.classic.Level;
import io.c254.streaming.testing.CapturedLogs;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection's commands run one after another in the order they arrived, on its event loop, whatever each waits for. */
class CommandSequenceTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final CommandSequence sequence = new CommandSequence(loop);
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aCommandWaitingForAnAnswerHoldsBackTheOnesSentAfterIt() throws Exception {
        CompletableFuture<Void> slowAnswer = new CompletableFuture<>();
        sequence.submit(() -> {
            log.add("start subscribe");
            return slowAnswer.thenRun(() -> log.add("end subscribe"));
        }, () -> log.add("refused"));
        sequence.submit(step("unsubscribe"), () -> log.add("refused"));
        awaitLoop();

        assertThat(log).containsExactly("start subscribe");

        slowAnswer.complete(null);
        awaitLoop();
        assertThat(log).containsExactly("start subscribe", "end subscribe", "unsubscribe");
    }

    @Test
    void commandsSubmittedFromManyThreadsRunOneAtATimeOnTheLoop() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<String> offLoop = new CopyOnWriteArrayList<>();
        int[] running = {0};
        for (int t = 0; t < 4; t++) {
            int thread = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 50; i++) {
                    String name = thread + ":" + i;
                    sequence.submit(() -> {
                        if (!loop.inEventLoop() || running[0]++ != 0) {
                            offLoop.add(name);
                        }
                        return CompletableFuture.runAsync(() -> log.add(name)).whenComplete((done, failure) -> running[0]--);
                    }, () -> log.add("refused " + name));
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        awaitLoop(200);

        assertThat(offLoop).isEmpty();
        assertThat(log).hasSize(200).doesNotContain("refused");
        for (int t = 0; t < 4; t++) {
            String prefix = t + ":";
            assertThat(log.stream().filter(name -> name.startsWith(prefix)).toList())
                    .as("commands of one thread keep their order").isSortedAccordingTo((a, b) -> index(a) - index(b));
        }
    }

    @Test
    void pastTheBoundACommandIsRefusedAndTheQueueIsNotGrown() throws Exception {
        CompletableFuture<Void> stuck = new CompletableFuture<>();
        sequence.submit(() -> stuck, () -> log.add("refused first"));
        for (int i = 0; i < CommandSequence.MAX_WAITING + 3; i++) {
            sequence.submit(step("c" + i), () -> log.add("refused"));
        }
        awaitLoop();

        assertThat(log).containsExactly("refused", "refused", "refused");
        stuck.complete(null);
        awaitLoop();
        assertThat(log).hasSize(3 + CommandSequence.MAX_WAITING).endsWith("c" + (CommandSequence.MAX_WAITING - 1));
    }

    @Test
    void aCommandThatThrowsOrFailsIsLoggedAndDoesNotStopTheOnesAfterIt() throws Exception {
        CompletableFuture<Void> failsLater = new CompletableFuture<>();
        try (CapturedLogs errors = CapturedLogs.of(CommandSequence.class.getName(), Level.ERROR)) {
            sequence.submit(() -> {
                throw new IllegalStateException("a bug");
            }, () -> { });
            sequence.submit(() -> CompletableFuture.failedFuture(new IllegalStateException("a failed check")), () -> { });
            sequence.submit(() -> failsLater, () -> { });
            sequence.submit(step("after"), () -> { });
            awaitLoop();
            assertThat(log).isEmpty();

            failsLater.completeExceptionally(new IllegalStateException("a check that failed later"));
            awaitLoop();

            assertThat(log).containsExactly("after");
            assertThat(errors.events()).extracting(event -> event.getThrowableProxy().getMessage())
                    .containsExactly("a bug", "a failed check", "a check that failed later");
        }
    }

    private CommandSequence.Command step(String name) {
        return () -> {
            log.add(name);
            return CompletableFuture.completedFuture(null);
        };
    }

    private static int index(String name) {
        return Integer.parseInt(name.substring(name.indexOf(':') + 1));
    }

    /** Waits until the loop has run everything queued so far (and what that queued in turn, once). */
    private void awaitLoop() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            CountDownLatch done = new CountDownLatch(1);
            loop.execute(done::countDown);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Waits until the log holds this many entries. */
    private void awaitLoop(int entries) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (log.size() < entries && System.nanoTime() < deadline) {
            awaitLoop();
        }
    }
}
