package io.c254.streaming.bench;

/** A failure as a short reason for the result line: its class and first line, so that alike failures group. */
final class Failures {

    private static final int MAX_LENGTH = 120;

    private Failures() {
    }

    static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
        String text = root.getClass().getSimpleName() + message;
        return text.length() > MAX_LENGTH ? text.substring(0, MAX_LENGTH) : text;
    }
}
