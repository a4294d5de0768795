package io.c254.streaming.entitlements;

/**
 * Whether an identity may read a topic. UNAVAILABLE means nobody could say: callers fail closed.
 *
 * @param requiredRole shown to a denied client so they know what to ask for; null otherwise
 */
public record EntitlementDecision(Verdict verdict, String requiredRole) {

    public static final EntitlementDecision ALLOWED = new EntitlementDecision(Verdict.ALLOWED, null);
    public static final EntitlementDecision UNAVAILABLE = new EntitlementDecision(Verdict.UNAVAILABLE, null);

    public enum Verdict {
        ALLOWED, DENIED, UNAVAILABLE
    }

    public static EntitlementDecision denied(String requiredRole) {
        return new EntitlementDecision(Verdict.DENIED, requiredRole);
    }

    public boolean allowed() {
        return verdict == Verdict.ALLOWED;
    }
}
