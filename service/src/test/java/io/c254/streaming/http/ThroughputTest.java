package io.c254.streaming.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class ThroughputTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final Throughput throughput = new Throughput(() -> 0);

    @Test
    void rateIsZeroBeforeTwoSamples() {
        assertThat(throughput.perSecond()).isZero();

        throughput.sample(0, 500);

        assertThat(throughput.perSecond()).isZero();
    }

    @Test
    void rateIsGrowthOfTheTotalPerSecondOfElapsedTime() {
        throughput.sample(5 * SECOND, 1_000);
        throughput.sample(7 * SECOND, 1_100);

        assertThat(throughput.perSecond()).isCloseTo(50.0, within(1e-9));
    }

    @Test
    void rateAveragesOverTheWholeWindow() {
        long[] totals = {0, 100, 100, 100, 400, 400, 400, 400, 400, 700, 1_000};
        for (int i = 0; i < totals.length; i++) {
            throughput.sample(i * SECOND, totals[i]);
        }

        assertThat(throughput.perSecond()).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void unchangedTotalGivesZeroRate() {
        throughput.sample(0, 42);
        throughput.sample(SECOND, 42);

        assertThat(throughput.perSecond()).isZero();
    }

    @Test
    void samplesWithoutElapsedTimeGiveZeroRateRatherThanInfinity() {
        throughput.sample(SECOND, 0);
        throughput.sample(SECOND, 100);

        assertThat(throughput.perSecond()).isZero();
    }

    @Test
    void oldSamplesFallOutOfTheWindow() {
        int window = Throughput.WINDOW_SECONDS;
        long second = 0;
        for (; second <= window; second++) {
            throughput.sample(second * SECOND, second * 100);
        }
        assertThat(throughput.perSecond()).isCloseTo(100.0, within(1e-9));

        long stalledTotal = window * 100L;
        for (int quiet = 0; quiet < window / 2; quiet++, second++) {
            throughput.sample(second * SECOND, stalledTotal);
        }
        assertThat(throughput.perSecond()).isCloseTo(50.0, within(1e-9));

        for (int quiet = 0; quiet < window + 1; quiet++, second++) {
            throughput.sample(second * SECOND, stalledTotal);
        }
        assertThat(throughput.perSecond()).isZero();
    }

    @Test
    void sampleReadsTheRunningTotal() {
        AtomicLong total = new AtomicLong();
        Throughput live = new Throughput(total::get);

        live.sample();
        long first = System.nanoTime();
        total.addAndGet(1_000);
        // the next sample must be at a later instant of the clock it reads
        await().atMost(Duration.ofSeconds(1)).until(() -> System.nanoTime() - first > 1_000_000);
        live.sample();

        assertThat(live.perSecond()).isPositive();
    }
}
