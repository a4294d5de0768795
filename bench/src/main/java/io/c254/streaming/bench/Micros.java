package io.c254.streaming.bench;

import java.time.Clock;
import java.time.Instant;

/**
 * Wall-clock time in epoch microseconds. Publisher and subscribers are on one machine and read the same
 * clock, so receive time minus {@code sent_us} is the delivery latency without any clock offset.
 */
final class Micros {

    private static final Clock CLOCK = Clock.systemUTC();

    private Micros() {
    }

    static long now() {
        Instant now = CLOCK.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
