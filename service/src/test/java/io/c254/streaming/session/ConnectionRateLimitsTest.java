package io.c254.streaming.session;

import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.testing.SteppedClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Connection attempts per client address and per user (ACCESS_RATE_CONNECTS_PER_MINUTE_PER_*), on a clock the test moves. */
class ConnectionRateLimitsTest {

    private final SteppedClock clock = new SteppedClock();
    private final ConnectionRateLimits limits = new ConnectionRateLimits(ConfigLoader.load(Map.of(
            "ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS", "3",
            "ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER", "2")).rates(), clock);

    @Test
    void anAddressMayTryAsOftenAsItsRateAndIsThenToldHowLongToWait() {
        for (int i = 0; i < 3; i++) {
            assertThat(limits.tryAddress("10.0.0.1")).as("attempt %d", i + 1).isEqualTo(Attempt.ALLOWED);
        }
        clock.advance(Duration.ofMillis(500));

        Problem refusal = ((Attempt.Throttled) limits.tryAddress("10.0.0.1")).problem();

        // three a minute: the next attempt is allowed 20 s after the first, 19.5 s from now
        assertThat(refusal).isEqualTo(new Problem(ErrorCode.RATE_LIMITED,
                "Too many connection attempts from this address (at most 3 a minute); retry in 20 s",
                Map.of("retry_after_seconds", 20L)));
    }

    @Test
    void anAddressMayTryAgainOnceItsBucketHasRefilled() {
        for (int i = 0; i < 3; i++) {
            limits.tryAddress("10.0.0.1");
        }
        clock.advance(Duration.ofSeconds(19));
        assertThat(limits.tryAddress("10.0.0.1")).isInstanceOf(Attempt.Throttled.class);

        clock.advance(Duration.ofSeconds(1));
        assertThat(limits.tryAddress("10.0.0.1")).isEqualTo(Attempt.ALLOWED);
        assertThat(limits.tryAddress("10.0.0.1")).isInstanceOf(Attempt.Throttled.class);

        clock.advance(Duration.ofMinutes(5));
        for (int i = 0; i < 3; i++) {
            assertThat(limits.tryAddress("10.0.0.1")).as("attempt %d after a quiet while", i + 1).isEqualTo(Attempt.ALLOWED);
        }
        assertThat(limits.tryAddress("10.0.0.1")).as("no more than the rate is saved up").isInstanceOf(Attempt.Throttled.class);
    }

    @Test
    void eachAddressHasItsOwnBucket() {
        for (int i = 0; i < 3; i++) {
            limits.tryAddress("10.0.0.1");
        }

        assertThat(limits.tryAddress("10.0.0.1")).isInstanceOf(Attempt.Throttled.class);
        assertThat(limits.tryAddress("10.0.0.2")).isEqualTo(Attempt.ALLOWED);
    }

    @Test
    void aUserMayConnectAsOftenAsTheirRateAndIsThenToldHowLongToWait() {
        assertThat(limits.tryUser("acme", "alice")).isEqualTo(Attempt.ALLOWED);
        assertThat(limits.tryUser("acme", "alice")).isEqualTo(Attempt.ALLOWED);
        clock.advance(Duration.ofMillis(10_500));

        Problem refusal = ((Attempt.Throttled) limits.tryUser("acme", "alice")).problem();

        // two a minute: the next attempt is allowed 30 s after the first, 19.5 s from now
        assertThat(refusal).isEqualTo(new Problem(ErrorCode.RATE_LIMITED,
                "Too many connection attempts for user alice (at most 2 a minute); retry in 20 s",
                Map.of("retry_after_seconds", 20L)));
    }

    @Test
    void usersAreCountedPerTenantAndApartFromAddresses() {
        limits.tryUser("acme", "alice");
        limits.tryUser("acme", "alice");

        assertThat(limits.tryUser("acme", "alice")).isInstanceOf(Attempt.Throttled.class);
        assertThat(limits.tryUser("globex", "alice")).as("another tenant's alice").isEqualTo(Attempt.ALLOWED);
        assertThat(limits.tryUser("acme", "bob")).isEqualTo(Attempt.ALLOWED);
        assertThat(limits.tryAddress("alice")).isEqualTo(Attempt.ALLOWED);
    }

    @Test
    void aWaitOfLessThanASecondIsStillOneSecond() {
        limits.tryUser("acme", "alice");
        limits.tryUser("acme", "alice");
        clock.advance(Duration.ofMillis(29_900));

        assertThat(((Attempt.Throttled) limits.tryUser("acme", "alice")).problem().details()).isEqualTo(Map.of("retry_after_seconds", 1L));
    }
}
