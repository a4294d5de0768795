package io.c254.streaming.transport;

import io.c254.streaming.config.Config;
import io.c254.streaming.metrics.StreamingMetrics;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PendingConnectionsTest {

    private final StreamingMetrics metrics = new StreamingMetrics();
    private final PendingConnections pending = new PendingConnections(new Config.PendingLimits(
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60), 3, 2), metrics);

    @Test
    void anAddressGetsItsShareAndThenTooManyPendingConnectionsWhileAnotherAddressStillGetsIn() {
        assertThat(pending.tryOpen("10.0.0.1")).isEmpty();
        assertThat(pending.tryOpen("10.0.0.1")).isEmpty();

        Optional<Problem> refused = pending.tryOpen("10.0.0.1");

        assertThat(refused).map(Problem::code).contains(ErrorCode.TOO_MANY_PENDING_CONNECTIONS);
        assertThat(refused.get().message()).contains("ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS");
        assertThat(pending.tryOpen("10.0.0.2")).isEmpty();
        assertThat(pending.count()).isEqualTo(3);
    }

    @Test
    void theInstanceIsFullAtItsCapWhateverTheAddress() {
        pending.tryOpen("10.0.0.1");
        pending.tryOpen("10.0.0.2");
        pending.tryOpen("10.0.0.3");

        Optional<Problem> refused = pending.tryOpen("10.0.0.4");

        assertThat(refused).map(Problem::code).contains(ErrorCode.CONNECTION_LIMIT_REACHED);
        assertThat(refused.get().message()).contains("ACCESS_MAX_PENDING_CONNECTIONS");
        assertThat(pending.count()).as("a refusal takes no place").isEqualTo(3);
    }

    @Test
    void aReleasedPlaceCanBeTakenAgainByItsAddress() {
        pending.tryOpen("10.0.0.1");
        pending.tryOpen("10.0.0.1");
        pending.release("10.0.0.1");

        assertThat(pending.tryOpen("10.0.0.1")).isEmpty();
        assertThat(pending.count()).isEqualTo(2);
    }

    @Test
    void refusalsAreCountedByReason() {
        pending.tryOpen("10.0.0.1");
        pending.tryOpen("10.0.0.1");
        pending.tryOpen("10.0.0.1");

        assertThat(metrics.scrape()).contains(
                "connections_refused_total{reason=\"TOO_MANY_PENDING_CONNECTIONS\",transport=\"http\"} 1.0");
    }
}
