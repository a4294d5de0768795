package io.c254.streaming.http;

import io.c254.streaming.http.Readiness.NotReady;
import io.c254.streaming.ingest.KafkaStatus;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** When `/health/ready` sends load balancers elsewhere, and the reason it gives. */
class ReadinessTest {

    private static final KafkaStatus CONSUMING = status(true, 3);

    private final AtomicReference<KafkaStatus> kafka = new AtomicReference<>(CONSUMING);
    private final Readiness readiness = new Readiness(kafka::get);

    private static KafkaStatus status(boolean reachable, int assignedPartitions) {
        return status(reachable, assignedPartitions, true);
    }

    private static KafkaStatus status(boolean reachable, int assignedPartitions, boolean snapshotsLoaded) {
        return new KafkaStatus(reachable, assignedPartitions, List.of(), 0, 0, 0, snapshotsLoaded);
    }

    @Test
    void readyWhileConsumingAssignedPartitions() {
        assertThat(readiness.check()).isEmpty();
    }

    @Test
    void drainingIsNotReadyEvenWhileConsumingAndStaysSo() {
        readiness.startDraining();
        assertThat(readiness.check()).contains(NotReady.DRAINING);
        assertThat(readiness.check().orElseThrow().reason()).isEqualTo("draining");
    }

    @Test
    void unreachableBrokerIsNotReadyAndReadyAgainWhenItReturns() {
        kafka.set(status(false, 3));
        assertThat(readiness.check().map(NotReady::reason)).contains("kafka_unreachable");

        kafka.set(CONSUMING);
        assertThat(readiness.check()).isEmpty();
    }

    @Test
    void reachableBrokerWithoutAnyRegisteredTopicIsNotReady() {
        kafka.set(status(true, 0));
        assertThat(readiness.check().map(NotReady::reason)).contains("no_kafka_partitions");
    }

    @Test
    void anInstanceStillReadingTheCurrentValuesOfLatestTopicsIsNotReadyUntilItHasThemAll() {
        kafka.set(status(true, 3, false));
        assertThat(readiness.check().map(NotReady::reason)).contains("loading_snapshots");

        kafka.set(CONSUMING);
        assertThat(readiness.check()).isEmpty();
    }
}
