package io.c254.streaming.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ShutdownSequenceTest {

    @Test
    void closesNewestFirstAndKeepsGoingPastAFailure() {
        List<String> closed = new ArrayList<>();
        ShutdownSequence sequence = new ShutdownSequence(Duration.ofSeconds(5));
        sequence.add("broker", () -> closed.add("broker"));
        sequence.add("feed", () -> {
            closed.add("feed");
            throw new IllegalStateException("feed would not stop");
        });
        sequence.add("service", () -> closed.add("service"));

        sequence.closeAll();
        sequence.closeAll(); // a second call finds nothing left to close

        assertThat(closed).containsExactly("service", "feed", "broker");
    }
}
