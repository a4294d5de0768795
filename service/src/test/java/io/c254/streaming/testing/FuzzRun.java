package io.c254.streaming.testing;

import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * One bounded, replayable run of random cases: a seeded {@link Random} whose seed is printed (and named in
 * every failure), replayed with `-Dfuzz.seed=N`; at most so many cases and so much time, whichever ends
 * first, so that a fuzz test costs the same in CI every time.
 */
public final class FuzzRun {

    /** Set to replay a run: `-Dfuzz.seed=N` (failsafe passes system properties on to the test JVM). */
    public static final String SEED_PROPERTY = "fuzz.seed";

    private final String name;
    private final long seed;
    private final Random random;
    private final int maxCases;
    private final Duration maxTime;

    private FuzzRun(String name, long seed, int maxCases, Duration maxTime) {
        this.name = name;
        this.seed = seed;
        this.random = new Random(seed);
        this.maxCases = maxCases;
        this.maxTime = maxTime;
    }

    /** A run with the seed of `-Dfuzz.seed`, or a new one; prints it either way. */
    public static FuzzRun of(String name, int maxCases, Duration maxTime) {
        String replay = System.getProperty(SEED_PROPERTY);
        long seed = replay == null || replay.isBlank() ? new Random().nextLong() : Long.parseLong(replay.trim());
        System.out.printf("fuzz %s: seed %d (replay with -D%s=%d), at most %d cases or %d s%n",
                name, seed, SEED_PROPERTY, seed, maxCases, maxTime.toSeconds());
        return new FuzzRun(name, seed, maxCases, maxTime);
    }

    public Random random() {
        return random;
    }

    public long seed() {
        return seed;
    }

    /** One case: gets the run's random source; fails by throwing (an assertion, or an I/O error). */
    @FunctionalInterface
    public interface Case {
        void run(int number, Random random) throws Exception;
    }

    /**
     * Runs cases until the count or the time is used up; returns how many ran. A failing case fails the run
     * at once, its message naming the case and the seed that replays it.
     */
    public int forEachCase(Case body) {
        long ends = System.nanoTime() + maxTime.toNanos();
        int ran = 0;
        while (ran < maxCases && System.nanoTime() - ends < 0) {
            int number = ran + 1;
            try {
                body.run(number, random);
            } catch (Exception | AssertionError failure) {
                throw new AssertionError("fuzz " + name + ", case " + number + " of seed " + seed
                        + " (replay with -D" + SEED_PROPERTY + "=" + seed + "): " + failure.getMessage(), failure);
            }
            ran = number;
        }
        System.out.printf("fuzz %s: %d cases (seed %d)%n", name, ran, seed);
        return ran;
    }

    /** One of these, chosen by the run's random source. */
    public static <T> T oneOf(Random random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}
