package io.c254.streaming.dev;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes made-up but plausible commodity prices to the three demo topics, so that a developer
 * who opens a stream in dev mode sees data flowing straight away.
 *
 * <p>Every tick publishes one record to each topic for a randomly chosen instrument: with the
 * default period that is about three records a second per topic. Prices follow a random walk.
 */
public final class DemoFeed implements AutoCloseable {

    public static final String LATEST_PRICES_TOPIC = "served.market.latest_prices.v1";
    public static final String CURVE_UPDATES_TOPIC = "pricing.curve.updates.v1";
    public static final String MARKET_DATA_TOPIC = "market.data.updates.v1";
    public static final List<String> TOPICS = List.of(LATEST_PRICES_TOPIC, CURVE_UPDATES_TOPIC, MARKET_DATA_TOPIC);

    static final Duration DEFAULT_PERIOD = Duration.ofMillis(333);

    private static final Logger log = LoggerFactory.getLogger(DemoFeed.class);
    private static final List<String> TENORS =
            List.of("M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M10", "M11", "M12", "Q1", "Q2", "Q3", "Q4");
    /** Per-tick standard deviation of the relative price move: enough to see prices move, not to drift off. */
    private static final double VOLATILITY = 0.0015;
    /** Monthly carry on the forward curve (a gentle contango). */
    private static final double CARRY_PER_MONTH = 0.004;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Producer<String, String> producer;
    private final RandomGenerator random;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Double> prices = new HashMap<>();
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean sendFailureLogged = new AtomicBoolean();

    /** Starts publishing to the broker at {@code bootstrapServers}; stop it with {@link #close()}. */
    public static DemoFeed start(String bootstrapServers) {
        DemoFeed feed = new DemoFeed(new KafkaProducer<>(producerProperties(bootstrapServers)),
                RandomGenerator.getDefault(), Clock.systemUTC());
        feed.scheduler.scheduleAtFixedRate(feed::safeTick, 0, DEFAULT_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return feed;
    }

    /** For tests: nothing is scheduled; call {@link #tick()} to publish. */
    DemoFeed(Producer<String, String> producer, RandomGenerator random, Clock clock) {
        this.producer = producer;
        this.random = random;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("demo-feed").factory());
        Instrument.DEMO_BOOK.forEach(i -> prices.put(i.id(), i.startPrice()));
    }

    /** Publishes one record to each demo topic. Runs on the feed thread only. */
    void tick() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        send(LATEST_PRICES_TOPIC, latestPrice(nextInstrument(), now));
        send(CURVE_UPDATES_TOPIC, curveUpdate(nextInstrument(), now));
        send(MARKET_DATA_TOPIC, marketData(nextInstrument(), now));
    }

    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
    }

    // ---- records --------------------------------------------------------------------------

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

    // ---- sending --------------------------------------------------------------------------

    private void send(String topic, ObjectNode value) {
        String key = value.get("instrument_id").asText();
        producer.send(new ProducerRecord<>(topic, key, toJson(value)), this::onSent);
    }

    private String toJson(ObjectNode value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a demo record", e);
        }
    }

    private void onSent(RecordMetadata metadata, Exception error) {
        // Runs on the producer's I/O thread. One warning is enough: a stopped broker fails every send.
        if (error != null && sendFailureLogged.compareAndSet(false, true)) {
            log.warn("Demo feed could not publish (further failures are not logged): {}", error.toString());
        }
    }

    /** An exception escaping a scheduled task would silently cancel all later ticks. */
    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("Demo feed tick failed: {}", e.toString());
        }
    }

    private static Properties producerProperties(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "dev-demo-feed");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Keep a tick from stalling the feed thread for a minute when the broker has gone away.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return p;
    }
}
