package io.c254.streaming.auth;

import static org.assertj.core.api.Assertions.assertThat;

/** The two outcomes of verifying a token, asserted and unwrapped. */
final class Verifications {

    private Verifications() {
    }

    static Verification.Verified verified(Verification verification) {
        assertThat(verification).isInstanceOf(Verification.Verified.class);
        return (Verification.Verified) verification;
    }

    static String rejected(Verification verification) {
        assertThat(verification).isInstanceOf(Verification.Rejected.class);
        return ((Verification.Rejected) verification).reason();
    }
}
