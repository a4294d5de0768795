package io.c254.streaming.session;

/** The outcome of asking for a connection slot. */
public sealed interface Admission {

    record Admitted(Session session) implements Admission {
    }

    record Refused(Problem problem) implements Admission {
    }
}
