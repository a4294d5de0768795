package io.c254.streaming.bench;

/** The soak's topics and the WebSocket commands its clients send (README "WebSocket protocol"). */
final class SoakCommands {

    /** A `latest` topic (conflated for slow clients), the default subscription. */
    static final String LATEST = Options.DEFAULT_TOPIC;
    /** A `stream` topic (never conflated: a slow client is closed with 4001), keyed by instrument_id too. */
    static final String STREAM = "market.data.updates.v1";
    static final int INSTRUMENTS = 16;

    private SoakCommands() {
    }

    /** A filter on {@code count} instruments from {@code first} on (README "Filters": any of the values). */
    static String instruments(int first, int count) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < count; i++) {
            values.append(i == 0 ? "" : ",").append('"').append(InstrumentFilter.id((first + i) % INSTRUMENTS)).append('"');
        }
        return "{\"instrument_id\":[" + values + "]}";
    }

    /** @param filters a filter object or null; @param maxRate 0 for none */
    static String subscribe(String topic, String filters, int maxRate) {
        return "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]"
                + (filters == null ? "" : ",\"filters\":" + filters)
                + (maxRate > 0 ? ",\"max_rate\":" + maxRate : "") + "}}";
    }

    static String unsubscribe(String topic) {
        return "{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}";
    }
}
