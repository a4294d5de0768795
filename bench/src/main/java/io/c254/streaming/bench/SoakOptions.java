package io.c254.streaming.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The soak driver's command line ({@code --key=value}, see bench/README.md "Soak"), read once.
 *
 * @param warmupShare share of the run (from its start) left out of the trends (0.4: 12 of 30 minutes): the JVM
 *                    compiles, pools fill, the clients' population settles, and what the gateway keeps for 10 minutes
 *                    (ended SSE streams, for their 404; idle rate-limit buckets) only levels off after 10 minutes of churn
 */
record SoakOptions(
        int minutes,
        String host,
        int port,
        String bootstrap,
        long serverPid,
        int wsClients,
        int sseClients,
        int users,
        int tenants,
        int rate,
        int streamRate,
        String jwtSecret,
        int tokenSeconds,
        int sampleSeconds,
        double warmupShare,
        Path csv,
        Path report,
        String commit,
        String gatewayJvmFlags,
        String gatewayEnv) {

    private static final Set<String> KEYS = Set.of("minutes", "host", "port", "bootstrap", "server-pid", "ws-clients",
            "sse-clients", "users", "tenants", "rate", "stream-rate", "jwt-secret", "token-seconds", "sample-seconds",
            "warmup-share", "csv", "report", "commit", "gateway-jvm-flags", "gateway-env");

    static SoakOptions parse(List<String> args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String key = eq > 2 && arg.startsWith("--") ? arg.substring(2, eq) : "";
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown argument " + arg + " (known: --" + String.join("=, --", KEYS) + "=)");
            }
            values.put(key, arg.substring(eq + 1));
        }
        for (String required : List.of("server-pid", "jwt-secret", "csv", "report")) {
            if (!values.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + "= is required");
            }
        }
        return new SoakOptions(
                integer(values, "minutes", 30, 1, 24 * 60),
                values.getOrDefault("host", "127.0.0.1"),
                integer(values, "port", 18001, 1, 65_535),
                values.getOrDefault("bootstrap", "127.0.0.1:19092"),
                integer(values, "server-pid", 0, 1, Integer.MAX_VALUE),
                integer(values, "ws-clients", 200, 0, 100_000),
                integer(values, "sse-clients", 50, 0, 100_000),
                integer(values, "users", 50, 1, 100_000),
                integer(values, "tenants", 3, 1, 1_000),
                integer(values, "rate", 50, 1, 100_000),
                integer(values, "stream-rate", 10, 1, 100_000),
                values.get("jwt-secret"),
                integer(values, "token-seconds", 180, 70, 86_400),
                integer(values, "sample-seconds", 10, 1, 3_600),
                decimal(values, "warmup-share", 0.4),
                Path.of(values.get("csv")),
                Path.of(values.get("report")),
                values.getOrDefault("commit", "unknown"),
                values.getOrDefault("gateway-jvm-flags", ""),
                values.getOrDefault("gateway-env", ""));
    }

    private static int integer(Map<String, String> values, String key, int fallback, int min, int max) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // the one error below
        }
        throw new IllegalArgumentException("--" + key + ": expected a whole number from " + min + " to " + max + " but got '" + value + "'");
    }

    private static double decimal(Map<String, String> values, String key, double fallback) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        double parsed = Double.parseDouble(value.trim());
        if (parsed < 0 || parsed >= 0.9) {
            throw new IllegalArgumentException("--" + key + ": expected a share from 0 to 0.9 but got '" + value + "'");
        }
        return parsed;
    }
}
