package io.c254.streaming.transport.sse;

import io.c254.streaming.hub.Cursor;
import io.c254.streaming.hub.CursorText;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.SampleMessages;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Building one data event as its complete HTTP chunk (done once per record, whatever the subscribers). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SseEventsBenchmark {

    /** A cursor of the sample's topic with three partitions, as a subscriber of that topic alone gets. */
    private static final CursorText CURSOR = CursorText.of(Cursor.of(Map.of(SampleMessages.TOPIC, new long[]{123_456_790L, 123_001_000L, 122_999_000L})).encode());

    private Message message;

    @Setup
    public void setUp() {
        message = SampleMessages.price(123_456_789L, "BRENT_CRUDE");
    }

    @Benchmark
    public int encodeAndRelease() {
        var body = SseEvents.DATA.encode(message, PooledByteBufAllocator.DEFAULT);
        var frame = SseEvents.DATA.frame(message, CURSOR, body, PooledByteBufAllocator.DEFAULT);
        int size = frame.readableBytes();
        frame.release();
        body.release();
        return size;
    }
}
