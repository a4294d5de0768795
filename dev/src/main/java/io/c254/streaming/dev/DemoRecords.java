package io.c254.streaming.dev;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The made-up but plausible records of the demo feed: each call to {@link #next()} gives one record per
 * demo topic, for a randomly chosen instrument, keyed by its id. Prices follow a random walk. Pure: the
 * randomness and the clock are given, and nothing is sent from here.
 */
final class DemoRecords {

    private static final List<String> TENORS =
            List.of("M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M10", "M11", "M12", "Q1", "Q2", "Q3", "Q4");
    /** Per-tick standard deviation of the relative price move: enough to see prices move, not to drift off. */
    private static final double VOLATILITY = 0.0015;
    /** Monthly carry on the forward curve (a gentle contango). */
    private static final double CARRY_PER_MONTH = 0.004;

    private final RandomGenerator random;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Double> prices = new HashMap<>();

    DemoRecords(RandomGenerator random, Clock clock) {
        this.random = random;
        this.clock = clock;
        Instrument.DEMO_BOOK.forEach(i -> prices.put(i.id(), i.startPrice()));
    }

    /** One record for each demo topic, in the order of {@link DemoFeed#TOPICS}. */
    List<ProducerRecord<String, String>> next() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        return List.of(
                record(DemoFeed.LATEST_PRICES_TOPIC, latestPrice(nextInstrument(), now)),
                record(DemoFeed.CURVE_UPDATES_TOPIC, curveUpdate(nextInstrument(), now)),
                record(DemoFeed.MARKET_DATA_TOPIC, marketData(nextInstrument(), now)));
    }

    private ObjectNode latestPrice(Instrument instrument, Instant now) {
        double price = walk(instrument);
        ObjectNode value = common(instrument, price, now);
        value.put("currency", instrument.currency());
        value.put("unit", instrument.unit());
        return value;
    }

    private ObjectNode curveUpdate(Instrument instrument, Instant now) {
        String tenor = TENORS.get(random.nextInt(TENORS.size()));
        double price = walk(instrument) * (1 + CARRY_PER_MONTH * monthsAhead(tenor));
        ObjectNode value = common(instrument, price, now);
        value.put("curve_id", instrument.id() + "_FWD");
        value.put("tenor", tenor);
        value.put("currency", instrument.currency());
        return value;
    }

    private ObjectNode marketData(Instrument instrument, Instant now) {
        double price = walk(instrument);
        // A spread of a few ticks that scales with the price level, so HENRY_HUB is not quoted 0.05 wide.
        double halfSpread = Math.max(0.01, price * 0.0005 * (1 + random.nextInt(3)));
        ObjectNode value = common(instrument, price, now);
        value.put("bid", twoDecimals(price - halfSpread));
        value.put("ask", twoDecimals(price + halfSpread));
        value.put("source", instrument.source());
        return value;
    }

    private ObjectNode common(Instrument instrument, double price, Instant now) {
        ObjectNode value = json.createObjectNode();
        value.put("instrument_id", instrument.id());
        value.put("commodity", instrument.commodity());
        value.put("region", instrument.region());
        value.put("price", twoDecimals(price));
        value.put("volume", 1 + random.nextInt(500));
        value.put("timestamp", now.toString());
        return value;
    }

    /** Moves the instrument's price one random step and returns it (never below one cent). */
    private double walk(Instrument instrument) {
        double next = prices.get(instrument.id()) * (1 + random.nextGaussian() * VOLATILITY);
        double floored = Math.max(0.01, next);
        prices.put(instrument.id(), floored);
        return floored;
    }

    private Instrument nextInstrument() {
        return Instrument.DEMO_BOOK.get(random.nextInt(Instrument.DEMO_BOOK.size()));
    }

    /** M3 is three months out; Q2 is the second quarter ahead, about six months out. */
    private static int monthsAhead(String tenor) {
        int n = Integer.parseInt(tenor.substring(1));
        return tenor.charAt(0) == 'Q' ? 3 * n : n;
    }

    private static BigDecimal twoDecimals(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP);
    }

    private ProducerRecord<String, String> record(String topic, ObjectNode value) {
        try {
            return new ProducerRecord<>(topic, value.get("instrument_id").asText(), json.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a demo record", e);
        }
    }
}
