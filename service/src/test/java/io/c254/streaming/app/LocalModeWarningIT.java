package io.c254.streaming.app;

import ch.qos.logback.classic.Level;
import io.c254.streaming.testing.CapturedLogs;
import io.c254.streaming.testing.TestServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every way of starting the service in local mode says that `test-token` is accepted: dev mode starts it without Main. */
class LocalModeWarningIT {

    @Test
    void startingTheServiceInLocalModeWithoutMainWarnsOfTheTestToken() throws Exception {
        try (CapturedLogs logs = CapturedLogs.of(StreamingService.class.getName(), Level.WARN);
             TestServer server = TestServer.builder().noKafkaWait().start()) {
            assertThat(server.port()).isPositive();
            assertThat(logs.events()).filteredOn(event -> event.getFormattedMessage().contains("test-token")).singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage())
                            .contains("ACCESS_ENV=local", "'test-token' is accepted", "set ACCESS_ENV=production"));
        }
    }
}
