package io.c254.streaming.session;

import java.util.Map;

/**
 * An error for a client: a code from the catalog, a message naming what was wrong, and optional details.
 * A detail's value is written as its JSON type: a number stays a number.
 */
public record Problem(ErrorCode code, String message, Map<String, Object> details) {

    public Problem {
        details = Map.copyOf(details);
    }

    public static Problem of(ErrorCode code, String message) {
        return new Problem(code, message, Map.of());
    }
}
