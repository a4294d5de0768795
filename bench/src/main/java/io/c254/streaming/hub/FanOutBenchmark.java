package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One record through the real fan-out (index, matching, shared frame, a write per match, flushes), on
 * one event loop that runs the turn at once, to subscribers that only count. Per operation: one record.
 * <ul>
 *   <li>{@code unfiltered}: every subscriber matches; the cost should grow with subscribers (they are all deliveries).</li>
 *   <li>{@code distinctFilters}: each subscriber filters its own instrument_id, so one matches; the cost should
 *       not grow with subscribers: matching costs what it delivers (scenario f).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FanOutBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Param({"100", "1000", "10000"})
    int subscribers;

    @Param({"unfiltered", "distinctFilters"})
    String kind;

    private FanOut fanOut;
    private List<List<Message>> batches;
    private int next;
    private CountingSubscriber[] counting;

    @Setup(Level.Trial)
    public void setUp() {
        SubscriptionIndex index = new SubscriptionIndex();
        fanOut = new FanOut(index, PooledByteBufAllocator.DEFAULT);
        counting = new CountingSubscriber[subscribers];
        for (int i = 0; i < subscribers; i++) {
            counting[i] = new CountingSubscriber();
            Filter filter = kind.equals("unfiltered") ? Filter.none() : filterOn("I" + i);
            index.subscribe(counting[i], SampleMessages.TOPIC, filter);
        }
        batches = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            batches.add(List.of(SampleMessages.price(i, "I" + (i * 7919 % subscribers))));
        }
    }

    @Benchmark
    public void oneRecord() {
        fanOut.dispatch(batches.get(next++ & 1023));
    }

    private static Filter filterOn(String instrument) {
        ObjectNode filter = JSON.createObjectNode().put("instrument_id", instrument);
        return ((Filter.Parsed.Valid) Filter.parse(filter)).filter();
    }

    /** Does what a connection does with the shared bytes (a retained duplicate, released once "written") and counts. */
    static final class CountingSubscriber implements Subscriber {
        /** A body of the record's JSON, framed with the cursor: the shape of the real formats. */
        private static final WireFormat FORMAT = new WireFormat() {
            @Override
            public ByteBuf encode(Message message, ByteBufAllocator allocator) {
                ByteBuf frame = allocator.buffer(message.valueJson().length + 64);
                frame.writeBytes(message.valueJson());
                return frame;
            }

            @Override
            public ByteBuf frame(Message message, CursorText cursor, ByteBuf body, ByteBufAllocator allocator) {
                ByteBuf frame = allocator.buffer(cursor.length() + body.readableBytes());
                cursor.writeTo(frame);
                frame.writeBytes(body, body.readerIndex(), body.readableBytes());
                return frame;
            }
        };
        long written;
        private int unflushed;

        @Override
        public WireFormat wireFormat() {
            return FORMAT;
        }

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public Written write(ByteBuf frame) {
            frame.retainedDuplicate().release();
            written++;
            return unflushed++ == 0 ? Written.FIRST : Written.MORE;
        }

        @Override
        public void flush() {
            unflushed = 0;
        }
    }

}
