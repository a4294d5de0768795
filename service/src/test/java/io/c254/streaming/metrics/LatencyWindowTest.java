package io.c254.streaming.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyWindowTest {

    private final StreamingMetrics metrics = new StreamingMetrics();
    private final LatencyWindow window = metrics.deliveryLatencyWindow();

    @Test
    void nothingRecordedHasNoQuantile() {
        window.sample();
        window.sample();
        assertThat(window.quantileMillis(0.5)).isEmpty();
        assertThat(window.count()).isZero();
    }

    @Test
    void quantilesComeFromWhatTheWindowRecorded() {
        window.sample();
        for (int i = 0; i < 99; i++) {
            metrics.delivered(1_000, 1_005);
        }
        metrics.delivered(1_000, 1_900);
        window.sample();

        assertThat(window.count()).isEqualTo(100);
        assertThat(window.quantileMillis(0.5).orElseThrow()).as("p50 of 99 × 5 ms and one 900 ms").isBetween(1.0, 6.0);
        assertThat(window.quantileMillis(0.999).orElseThrow()).as("the slow one").isBetween(500.0, 1_000.0);
    }

    @Test
    void deliveriesSlowerThanTheLargestBucketCountAndReadAsItsBound() {
        window.sample();
        metrics.delivered(1_000, 1_005);
        metrics.delivered(1_000, 121_000);
        window.sample();

        assertThat(window.count()).as("the 120 s delivery counts").isEqualTo(2);
        assertThat(window.quantileMillis(0.99).orElseThrow()).as("the largest bucket: 60 s").isEqualTo(60_000.0);
    }

    @Test
    void whatLeftTheWindowNoLongerCounts() {
        window.sample();
        for (int i = 0; i < 50; i++) {
            metrics.delivered(1_000, 3_000);
        }
        window.sample();
        assertThat(window.quantileMillis(0.5).orElseThrow()).isCloseTo(2_000, within(700.0));

        for (int i = 0; i < LatencyWindow.WINDOW_SECONDS; i++) {
            metrics.delivered(1_000, 1_002);
            window.sample();
        }
        assertThat(window.count()).as("the 2 s deliveries are older than the window").isEqualTo(LatencyWindow.WINDOW_SECONDS);
        assertThat(window.quantileMillis(0.99).orElseThrow()).isLessThan(5.0);
    }
}
