package io.c254.streaming.session;

/** @param requiredRole shown to a denied client so they know what to ask for; null when allowed */
public record EntitlementDecision(boolean allowed, String requiredRole) {

    public static final EntitlementDecision ALLOWED = new EntitlementDecision(true, null);
}
