package io.c254.streaming.auth;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;

/**
 * What went wrong in a call to another service, in words an operator can act on. The JDK's HTTP client
 * often throws without a message (a refused connection is a bare {@link ConnectException}), and
 * "null" tells nobody anything.
 */
final class FailureReason {

    private FailureReason() {
    }

    static String of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            switch (cause) {
                case ConnectException refused -> {
                    return "connection refused";
                }
                case HttpTimeoutException timeout -> {
                    return "timed out";
                }
                case UnknownHostException unknown -> {
                    return "unknown host " + unknown.getMessage();
                }
                default -> {
                }
            }
        }
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }
}
