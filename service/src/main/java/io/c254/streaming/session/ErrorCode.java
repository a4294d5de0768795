package io.c254.streaming.session;

/**
 * The one catalog of error codes a client can see, in WebSocket `error` messages, SSE `error` events and
 * HTTP error bodies. The README lists them; add new ones here and there together.
 */
public enum ErrorCode {
    UNAUTHORIZED(401, "missing, invalid or expired token"),
    TOKEN_EXPIRED(401, "the connection's token expires soon or has expired; refresh it"),
    FORBIDDEN(403, "the request's origin or token may not do this"),
    RATE_LIMITED(429, "too many connection attempts or messages; slow down"),
    CONNECTION_LIMIT_REACHED(503, "the instance holds as many connections of this kind as it may"),
    TOO_MANY_PENDING_CONNECTIONS(429, "the client's address has as many connections still starting as allowed"),
    REQUEST_TIMEOUT(408, "the request did not arrive whole in time"),
    HANDSHAKE_TIMEOUT(503, "the stream could not be admitted and started in time; connect again"),
    SHUTTING_DOWN(503, "the instance is draining before it stops; connect again (another instance will answer)"),
    USER_CONNECTION_LIMIT_REACHED(429, "this user holds as many connections as allowed"),
    TENANT_CONNECTION_LIMIT_REACHED(429, "this tenant holds as many connections as allowed"),
    INVALID_MESSAGE(400, "the frame or body is not valid JSON of the expected shape"),
    UNKNOWN_ACTION(400, "the action is not subscribe, unsubscribe or ping"),
    MISSING_FIELD(400, "a required field is missing or empty"),
    INVALID_FILTER(400, "filters are not field to value or field to [values]"),
    UNKNOWN_TOPIC(404, "the topic is not in the topic registry"),
    SUBSCRIPTION_DENIED(403, "the user lacks the role the topic requires"),
    SUBSCRIPTION_REVOKED(403, "access to the topic was withdrawn; no more of its messages follow"),
    SUBSCRIPTION_LIMIT_REACHED(429, "the connection holds as many subscriptions as allowed"),
    ENTITLEMENTS_UNAVAILABLE(503, "the entitlements service could not answer; the subscription was refused"),
    INVALID_CURSOR(400, "the resume cursor is not one this gateway issued, or is ahead of the topic's end"),
    RESUME_GAP(410, "records the client missed were removed by retention before they could be replayed"),
    UNSUPPORTED_FRAME(400, "only text frames carry commands"),
    UNKNOWN_CONNECTION(404, "the caller's stream with this id has ended"),
    NOT_FOUND(404, "no such endpoint"),
    METHOD_NOT_ALLOWED(405, "the endpoint does not take this method"),
    PAYLOAD_TOO_LARGE(413, "the request body is larger than allowed"),
    URI_TOO_LONG(414, "the request line (path and query) is longer than allowed"),
    HEADERS_TOO_LARGE(431, "the request's headers are larger than allowed"),
    INTERNAL_ERROR(500, "the server failed; the connection is unaffected");

    private final int httpStatus;
    private final String meaning;

    ErrorCode(int httpStatus, String meaning) {
        this.httpStatus = httpStatus;
        this.meaning = meaning;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String meaning() {
        return meaning;
    }
}
