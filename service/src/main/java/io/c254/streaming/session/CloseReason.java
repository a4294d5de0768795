package io.c254.streaming.session;

/**
 * Why the server ends a connection. WebSocket clients see the close code (RFC 6455 section 7.4; 4000-4999
 * are ours); SSE clients see the reason in a final `error` event.
 */
public enum CloseReason {
    NORMAL(1000, "closing"),
    GOING_AWAY(1001, "server shutting down"),
    MESSAGE_TOO_BIG(1009, "frame larger than allowed"),
    HEARTBEAT_TIMEOUT(4000, "no frame from the client within the heartbeat timeout"),
    SLOW_CONSUMER(4001, "client reads too slowly: outbound buffer full"),
    TOKEN_EXPIRED(4002, "the token expired; reconnect with a fresh one"),
    RATE_LIMITED(4003, "rate limit breached repeatedly");

    private final int code;
    private final String text;

    CloseReason(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    public String text() {
        return text;
    }
}
