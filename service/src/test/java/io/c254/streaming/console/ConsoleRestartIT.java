package io.c254.streaming.console;

import com.microsoft.playwright.Page;
import io.c254.streaming.testing.Browser;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JavaScript client in a real browser survives its gateway restarting: the console's live tail
 * reconnects by itself and resumes from its cursor, so the records published while the gateway was
 * down arrive, each once, before the new ones.
 */
class ConsoleRestartIT {

    private static final String TOPIC = TestKafka.uniqueTopic("console-restart");
    private String topic;

    @ParameterizedTest
    @Timeout(180)
    @ValueSource(strings = {"websocket", "sse"})
    void theLiveTailResumesAfterTheGatewayRestartsWithNothingLost(String transport) throws Exception {
        topic = TOPIC + "." + transport;
        TestKafka.broker().createTopic(topic, 2);
        String run = UUID.randomUUID().toString();
        List<String> expected = new ArrayList<>();
        TestServer first = TestServer.builder().topicNotInKafka(topic).start();
        int port = first.port();
        try (Browser browser = Browser.start()) {
            Page page = browser.newPage();
            try {
                page.navigate(first.http("/console/#tail").toString());
                ConsoleIT.watch(page, topic, "{}", transport);
                assertThat(page.locator("#tail-state").textContent()).contains("over " + transport);
                publish(run + "-before", 0, expected);
                ConsoleIT.tailRow(page, run + "-before");

                first.close();
                for (int i = 0; i < 4; i++) {
                    publish(run + "-while-down-" + i, i % 2, expected);
                }
                try (TestServer second = TestServer.builder().topicNotInKafka(topic).env("ACCESS_PORT", Integer.toString(port)).start()) {
                    publish(run + "-after", 1, expected);
                    // the client's backoff grew while the gateway was down: it may take a while to try again
                    ConsoleIT.tailRow(page, run + "-after", Duration.ofSeconds(90));
                    assertThat(page.locator("#tail-state").textContent()).as("the transport chosen").contains("over " + transport);
                    for (int i = 0; i < 4; i++) {
                        ConsoleIT.tailRow(page, run + "-while-down-" + i);
                    }
                    // a duplicate would come before a record published after all of them
                    publish(run + "-sentinel", 0, expected);
                    ConsoleIT.tailRow(page, run + "-sentinel");
                    List<String> shown = ConsoleIT.markers(page, run);
                    assertThat(shown).as("every record once, those missed included").containsExactlyInAnyOrderElementsOf(expected);
                    assertThat(shown.indexOf(run + "-while-down-1")).as("partition 1 in order: what was missed, then the new record")
                            .isLessThan(shown.indexOf(run + "-while-down-3")).isLessThan(shown.indexOf(run + "-after"));
                }
            } finally {
                page.context().close();
            }
        } finally {
            first.close();
        }
    }

    private void publish(String marker, int partition, List<String> expected) {
        TestKafka.publish(topic, partition, "k", "{\"marker\":\"" + marker + "\"}");
        expected.add(marker);
    }
}
