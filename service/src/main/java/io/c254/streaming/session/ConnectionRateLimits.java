package io.c254.streaming.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.c254.streaming.config.Config.RateLimits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Connection attempts per client address (before the token is even looked at) and per user (after):
 * token buckets refilled per minute, kept while an address or user is active. A refusal says how
 * many seconds to wait.
 */
public final class ConnectionRateLimits {

    private final Cache<String, Bucket> byAddress;
    private final Cache<String, Bucket> byUser;
    private final int perAddress;
    private final int perUser;
    private final TimeMeter clock;

    public ConnectionRateLimits(RateLimits rates) {
        this(rates, TimeMeter.SYSTEM_MILLISECONDS);
    }

    /** @param clock how the buckets tell time (the system clock in production; a test may step it) */
    ConnectionRateLimits(RateLimits rates, TimeMeter clock) {
        this.clock = clock;
        this.perAddress = rates.connectsPerMinutePerAddress();
        this.perUser = rates.connectsPerMinutePerUser();
        this.byAddress = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(1_000_000).build();
        this.byUser = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(1_000_000).build();
    }

    /** Whether the attempt may go on; a refusal carries its Retry-After in the details. */
    public Attempt tryAddress(String address) {
        return take(byAddress, address, perAddress, "Too many connection attempts from this address");
    }

    public Attempt tryUser(String tenant, String user) {
        return take(byUser, tenant + '\u0000' + user, perUser, "Too many connection attempts for user " + user);
    }

    private Attempt take(Cache<String, Bucket> buckets, String key, int perMinute, String message) {
        Bucket bucket = buckets.get(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .withCustomTimePrecision(clock)
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return Attempt.ALLOWED;
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()) + 1);
        return new Attempt.Throttled(new Problem(ErrorCode.RATE_LIMITED,
                message + " (at most " + perMinute + " a minute); retry in " + seconds + " s", Map.of("retry_after_seconds", seconds)));
    }
}
