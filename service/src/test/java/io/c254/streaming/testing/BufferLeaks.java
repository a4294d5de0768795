package io.c254.streaming.testing;

import ch.qos.logback.classic.Level;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.List;

/**
 * Netty's leak detector at PARANOID while a suite runs (every buffer tracked, with where it was touched),
 * and the LEAK reports it logs. The service runs in the test JVM, so its buffers are tracked too; the
 * level before is restored on close.
 */
public final class BufferLeaks implements AutoCloseable {

    /** Netty logs every leak it finds through this logger, at ERROR, each line starting with "LEAK:". */
    private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();
    /** How long {@link #reports()} keeps collecting garbage and allocating before it trusts that nothing leaked. */
    private static final Duration SEARCH = Duration.ofSeconds(3);

    private final ResourceLeakDetector.Level previous;
    private final CapturedLogs logs;

    private BufferLeaks(ResourceLeakDetector.Level previous, CapturedLogs logs) {
        this.previous = previous;
        this.logs = logs;
    }

    /**
     * Starts watching. Buffers that earlier tests of this JVM leaked are reported to the console first,
     * as far as one collection finds them, so that they are not counted against this suite.
     */
    public static BufferLeaks watch() {
        ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        provokeReports();
        return new BufferLeaks(previous, CapturedLogs.of(DETECTOR_LOGGER, Level.ERROR));
    }

    /**
     * The leak reports of buffers that became garbage while watching. A leaked buffer is reported only
     * once the garbage collector has queued it and the detector next tracks an allocation, so this
     * collects and allocates again for a few seconds, and returns as soon as a report comes.
     */
    public List<String> reports() {
        long searchEnds = System.nanoTime() + SEARCH.toNanos();
        Awaitility.await("leak reports, if any")
                .atMost(SEARCH.plusSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    provokeReports();
                    return !logs.events().isEmpty() || System.nanoTime() - searchEnds > 0;
                });
        return logs.events().stream().map(event -> event.getFormattedMessage()).toList();
    }

    /** Garbage collected, then allocations from every allocator the service uses: each one lets the detector report. */
    private static void provokeReports() {
        System.gc();
        for (int i = 0; i < 16; i++) {
            PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
            PooledByteBufAllocator.DEFAULT.heapBuffer(64).release();
            ByteBufAllocator.DEFAULT.directBuffer(64).release();
            Unpooled.directBuffer(64).release();
        }
    }

    @Override
    public void close() {
        logs.close();
        ResourceLeakDetector.setLevel(previous);
    }
}
