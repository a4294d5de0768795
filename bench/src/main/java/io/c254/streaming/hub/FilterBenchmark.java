package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

import java.util.concurrent.TimeUnit;

/** One filter against one record: a string field, a list of values, and a number, as SPEC.md filters look. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Filter threeFields;
    private ObjectNode matching;
    private ObjectNode failingLast;

    @Setup
    public void setUp() throws Exception {
        threeFields = ((Filter.Parsed.Valid) Filter.parse(JSON.readTree(
                "{\"commodity\":\"oil\",\"region\":[\"north_sea\",\"us_gulf_coast\",\"asia\"],\"tenor\":3}"))).filter();
        matching = (ObjectNode) JSON.readTree(
                "{\"instrument_id\":\"BRENT_CRUDE\",\"commodity\":\"oil\",\"region\":\"north_sea\",\"tenor\":3,\"price\":83.1}");
        failingLast = (ObjectNode) JSON.readTree(
                "{\"instrument_id\":\"BRENT_CRUDE\",\"commodity\":\"oil\",\"region\":\"north_sea\",\"tenor\":6,\"price\":83.1}");
    }

    @Benchmark
    public boolean threeFieldsMatch() {
        return threeFields.matches(matching);
    }

    @Benchmark
    public boolean threeFieldsLastFails() {
        return threeFields.matches(failingLast);
    }
}
