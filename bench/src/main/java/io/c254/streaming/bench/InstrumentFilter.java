package io.c254.streaming.bench;

/**
 * Scenario (f): subscriber i filters on instrument {@code I<i mod N>}, and record n names instrument
 * {@code I<n mod N>}, so each record is meant for the subscribers of one instrument only.
 */
final class InstrumentFilter {

    private InstrumentFilter() {
    }

    static String id(int instrument) {
        return "I" + instrument;
    }

    /** The filter object of the gateway's protocol (README "Filters"). */
    static String json(int instrument) {
        return "{\"instrument_id\":\"" + id(instrument) + "\"}";
    }

    /** The WebSocket subscribe command that replaces the default subscription's (empty) filter. */
    static String subscribeCommand(String topic, int instrument) {
        return "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"],\"filters\":" + json(instrument) + "}}";
    }
}
