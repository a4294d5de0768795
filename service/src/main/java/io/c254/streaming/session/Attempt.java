package io.c254.streaming.session;

/** The answer of a rate limit to one attempt: it may go on, or it is refused with a problem naming how long to wait. */
public sealed interface Attempt {

    Attempt ALLOWED = new Allowed();

    record Allowed() implements Attempt {
    }

    record Throttled(Problem problem) implements Attempt {
    }
}
