package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Message;
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

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Building one data message as its complete WebSocket frame (done once per record, whatever the subscribers). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WsDataFormatBenchmark {

    private Message message;

    @Setup
    public void setUp() {
        ObjectNode value = new ObjectMapper().createObjectNode().put("instrument_id", "BRENT_CRUDE").put("commodity", "oil")
                .put("price", 83.1).put("pad", "x".repeat(120));
        message = new Message("served.market.latest_prices.v1", 2, 123_456_789L, 1_705_312_200_000L, "BRENT_CRUDE", value,
                value.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Benchmark
    public int encodeAndRelease() {
        var frame = WsDataFormat.INSTANCE.encode(message, PooledByteBufAllocator.DEFAULT);
        int size = frame.readableBytes();
        frame.release();
        return size;
    }
}
