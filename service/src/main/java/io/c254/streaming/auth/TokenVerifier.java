package io.c254.streaming.auth;

/** Checks a bearer token. Implementations must not block for long: they run before an upgrade. */
public interface TokenVerifier {
    Verification verify(String token);
}
