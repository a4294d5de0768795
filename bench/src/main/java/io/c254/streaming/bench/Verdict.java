package io.c254.streaming.bench;

/** Whether a scenario's figures meet the target. */
enum Verdict {
    MET("**met**"),
    NOT_MET("**not met**"),
    NOT_MEASURED("**not measured** (figures missing)");

    private final String text;

    Verdict(String text) {
        this.text = text;
    }

    static Verdict of(boolean met) {
        return met ? MET : NOT_MET;
    }

    /** All must be met; any missing figure makes the whole not measured. */
    Verdict and(Verdict other) {
        if (this == NOT_MEASURED || other == NOT_MEASURED) {
            return NOT_MEASURED;
        }
        return this == MET && other == MET ? MET : NOT_MET;
    }

    String text() {
        return text;
    }
}
