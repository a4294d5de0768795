package io.c254.streaming.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The load generator's command line: plain {@code --key=value} arguments, read once into a record.
 *
 * @param serverPid       0 when no server process is sampled
 * @param filtered        0 for unfiltered subscribers; N spreads records and filters over I0..I(N-1)
 * @param instruments     how many instrument ids the records cycle through
 * @param graceSeconds    how long to wait after the window for records still on their way
 * @param connectTimeoutSeconds how long a connection may take to become ok once the last one was started
 * @param maxP99Millis    the p99 a step may have and still be good (with no loss and no failed connection)
 * @param shape           what the run does: the steady step of scenarios a–f, or a load shape (g, h)
 * @param stall           scenario g's stalled clients
 * @param storm           scenario h's reconnect storm
 */
record Options(
        Peer peer,
        Transport transport,
        String urlHost,
        int port,
        int subscribers,
        int rampPerSecond,
        int sourceAddresses,
        int clientThreads,
        int rate,
        int durationSeconds,
        int warmupSeconds,
        int graceSeconds,
        int connectTimeoutSeconds,
        int size,
        String bootstrap,
        String topic,
        String nchanChannel,
        String token,
        long serverPid,
        int filtered,
        int instruments,
        boolean baseline,
        double maxP99Millis,
        String scenario,
        LoadShape shape,
        StallOptions stall,
        StormOptions storm,
        String args) {

    static final String DEFAULT_TOPIC = "served.market.latest_prices.v1";
    /** Unfiltered records still name an instrument; a few spread them over the topic's partitions. */
    private static final int UNFILTERED_INSTRUMENTS = 16;

    private static final Set<String> KEYS = Set.of("peer", "transport", "url-host", "port", "subscribers",
            "ramp-per-second", "source-addresses", "client-threads", "rate", "duration", "warmup", "grace",
            "connect-timeout", "size", "bootstrap", "topic", "nchan-channel", "token", "server-pid", "filtered",
            "baseline", "max-p99-ms", "scenario", "shape", "stalled", "stalled-rcvbuf", "stalled-pong-seconds", "fill-rate", "fill-timeout",
            "storm-clients", "storm-source-addresses", "storm-ramp-per-second", "storm-within-ms", "storm-timeout",
            "storm-max-attempts", "storm-error-retry-ms");

    /** What a run does. */
    enum LoadShape {
        /** Scenarios a–f: connect, warm up, one measured window. */
        STEADY,
        /** Scenario g: a window alone, then one while stalled clients share the topic. */
        STALL,
        /** Scenario h: a window before, then one while storm clients drop and reconnect at once. */
        STORM
    }

    static Options parse(List<String> args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("expected --key=value but got '" + arg + "'");
            }
            String key = arg.substring(2, eq);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + " (known: " + String.join(", ", KEYS) + ")");
            }
            values.put(key, arg.substring(eq + 1));
        }
        return new Reader(values).options(String.join(" ", args));
    }

    boolean isFiltered() {
        return filtered > 0;
    }

    /** The number of the first record of the measured window: records before it are the warm-up. */
    long firstWindowSeq() {
        return (long) warmupSeconds * rate;
    }

    long windowRecords() {
        return (long) durationSeconds * rate;
    }

    /** Reads and checks each value; every bad one is an {@link IllegalArgumentException} naming its option. */
    private record Reader(Map<String, String> values) {

        Options options(String args) {
            Peer peer = choice("peer", "gateway", Peer.class);
            Transport transport = choice("transport", "ws", Transport.class);
            int filtered = integer("filtered", 0, 0, 1_000_000);
            return new Options(
                    peer,
                    transport,
                    text("url-host", "127.0.0.1"),
                    integer("port", peer.defaultPort(), 1, 65_535),
                    integer("subscribers", 1000, 0, 1_000_000),
                    integer("ramp-per-second", 2000, 1, 1_000_000),
                    integer("source-addresses", 1, 1, 254),
                    integer("client-threads", Math.min(2, Runtime.getRuntime().availableProcessors()), 1, 64),
                    integer("rate", 10, 0, 1_000_000),
                    integer("duration", 10, 1, 86_400),
                    integer("warmup", 3, 0, 3_600),
                    integer("grace", 5, 0, 600),
                    integer("connect-timeout", 30, 1, 600),
                    integer("size", 200, 1, 1 << 20),
                    text("bootstrap", "127.0.0.1:19092"),
                    text("topic", DEFAULT_TOPIC),
                    word("nchan-channel", "bench"),
                    text("token", "test-token"),
                    integer("server-pid", 0, 0, Integer.MAX_VALUE),
                    filtered,
                    filtered > 0 ? filtered : UNFILTERED_INSTRUMENTS,
                    bool("baseline", false),
                    decimal("max-p99-ms", 50),
                    text("scenario", ""),
                    choice("shape", "steady", LoadShape.class),
                    new StallOptions(
                            integer("stalled", 100, 0, 100_000),
                            integer("stalled-rcvbuf", 4096, 1024, 1 << 24),
                            integer("stalled-pong-seconds", 10, 0, 3_600),
                            integer("fill-rate", 1000, 1, 1_000_000),
                            integer("fill-timeout", 120, 1, 3_600)),
                    new StormOptions(
                            integer("storm-clients", 3000, 0, 1_000_000),
                            integer("storm-source-addresses", 16, 1, 254),
                            integer("storm-ramp-per-second", 500, 1, 1_000_000),
                            integer("storm-within-ms", 1000, 0, 600_000),
                            integer("storm-timeout", 180, 1, 3_600),
                            integer("storm-max-attempts", 100, 1, 100_000),
                            integer("storm-error-retry-ms", 1000, 1, 600_000)),
                    args);
        }

        private String text(String key, String fallback) {
            String value = values.get(key);
            return value == null || value.isBlank() ? fallback : value.trim();
        }

        private String word(String key, String fallback) {
            String value = text(key, fallback);
            if (!value.matches("\\w+")) {
                throw bad(key, value, "letters, digits and _ (an Nchan channel id in the URL)");
            }
            return value;
        }

        private int integer(String key, int fallback, int min, int max) {
            String value = text(key, null);
            if (value == null) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed >= min && parsed <= max) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // the one error below
            }
            throw bad(key, value, "a whole number from " + min + " to " + max);
        }

        private double decimal(String key, double fallback) {
            String value = text(key, null);
            if (value == null) {
                return fallback;
            }
            try {
                double parsed = Double.parseDouble(value);
                if (parsed > 0) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // the one error below
            }
            throw bad(key, value, "a positive number");
        }

        private boolean bool(String key, boolean fallback) {
            String value = text(key, String.valueOf(fallback)).toLowerCase(Locale.ROOT);
            return switch (value) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(key, value, "true or false");
            };
        }

        private <E extends Enum<E>> E choice(String key, String fallback, Class<E> type) {
            String value = text(key, fallback);
            try {
                return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(key, value, "one of " + List.of(type.getEnumConstants()).toString().toLowerCase(Locale.ROOT));
            }
        }

        private static IllegalArgumentException bad(String key, String value, String expected) {
            return new IllegalArgumentException("--" + key + ": expected " + expected + " but got '" + value + "'");
        }
    }
}
