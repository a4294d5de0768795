package io.c254.streaming.session;

import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.session.MessageRateLimit.Verdict;
import io.c254.streaming.testing.SteppedClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Inbound WebSocket messages of one connection (ACCESS_RATE_MESSAGES_PER_SECOND, _BURST, _BREACHES_BEFORE_CLOSE). */
class MessageRateLimitTest {

    private final SteppedClock clock = new SteppedClock();

    private MessageRateLimit limit(String... variables) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        return new MessageRateLimit(ConfigLoader.load(env).rates(), clock);
    }

    private static List<Verdict> send(MessageRateLimit limit, int messages) {
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            verdicts.add(limit.onMessage());
        }
        return verdicts;
    }

    @Test
    void aBurstIsAcceptedThenMessagesAreRefusedAndTheNthRefusalInARowCloses() {
        MessageRateLimit limit = limit("ACCESS_RATE_MESSAGES_PER_SECOND", "2", "ACCESS_RATE_MESSAGE_BURST", "3",
                "ACCESS_RATE_BREACHES_BEFORE_CLOSE", "3");

        assertThat(send(limit, 6)).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT,
                Verdict.REFUSE, Verdict.REFUSE, Verdict.CLOSE);
    }

    @Test
    void anAcceptedMessageStartsTheCountOfRefusalsAgain() {
        MessageRateLimit limit = limit("ACCESS_RATE_MESSAGES_PER_SECOND", "2", "ACCESS_RATE_MESSAGE_BURST", "3",
                "ACCESS_RATE_BREACHES_BEFORE_CLOSE", "3");
        assertThat(send(limit, 5)).endsWith(Verdict.REFUSE, Verdict.REFUSE);

        clock.advance(Duration.ofMillis(500));

        assertThat(send(limit, 4)).containsExactly(Verdict.ACCEPT, Verdict.REFUSE, Verdict.REFUSE, Verdict.CLOSE);
    }

    @Test
    void theRateRefillsEverySecond() {
        MessageRateLimit limit = limit("ACCESS_RATE_MESSAGES_PER_SECOND", "2", "ACCESS_RATE_MESSAGE_BURST", "3",
                "ACCESS_RATE_BREACHES_BEFORE_CLOSE", "10");
        send(limit, 3);

        clock.advance(Duration.ofSeconds(1));

        assertThat(send(limit, 3)).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT, Verdict.REFUSE);
    }

    @Test
    void theBurstIsTwiceTheRateUnlessSet() {
        MessageRateLimit limit = limit("ACCESS_RATE_MESSAGES_PER_SECOND", "2", "ACCESS_RATE_BREACHES_BEFORE_CLOSE", "10");

        assertThat(send(limit, 5)).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.REFUSE);
    }

    @Test
    void withOneBreachAllowedTheFirstRefusalCloses() {
        MessageRateLimit limit = limit("ACCESS_RATE_MESSAGES_PER_SECOND", "1", "ACCESS_RATE_MESSAGE_BURST", "1",
                "ACCESS_RATE_BREACHES_BEFORE_CLOSE", "1");

        assertThat(send(limit, 2)).containsExactly(Verdict.ACCEPT, Verdict.CLOSE);
    }
}
