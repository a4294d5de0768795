package io.c254.streaming.dev;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes made-up but plausible commodity prices to the three demo topics, so that a developer
 * who opens a stream in dev mode sees data flowing straight away.
 *
 * <p>Every tick publishes one record to each topic ({@link DemoRecords}): with the default period that
 * is about three records a second per topic.
 */
public final class DemoFeed implements AutoCloseable {

    public static final String LATEST_PRICES_TOPIC = "served.market.latest_prices.v1";
    public static final String CURVE_UPDATES_TOPIC = "pricing.curve.updates.v1";
    public static final String MARKET_DATA_TOPIC = "market.data.updates.v1";
    public static final List<String> TOPICS = List.of(LATEST_PRICES_TOPIC, CURVE_UPDATES_TOPIC, MARKET_DATA_TOPIC);

    static final Duration DEFAULT_PERIOD = Duration.ofMillis(333);

    private static final Logger log = LoggerFactory.getLogger(DemoFeed.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Producer<String, String> producer;
    private final DemoRecords records;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean sendFailureLogged = new AtomicBoolean();

    /** Starts publishing to the broker at {@code bootstrapServers}; stop it with {@link #close()}. */
    public static DemoFeed start(String bootstrapServers) {
        DemoFeed feed = new DemoFeed(new KafkaProducer<>(producerProperties(bootstrapServers)),
                new DemoRecords(RandomGenerator.getDefault(), Clock.systemUTC()));
        feed.scheduler.scheduleAtFixedRate(feed::safeTick, 0, DEFAULT_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return feed;
    }

    private DemoFeed(Producer<String, String> producer, DemoRecords records) {
        this.producer = producer;
        this.records = records;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("demo-feed").factory());
    }

    /** Publishes one record to each demo topic. Runs on the feed thread only. */
    private void tick() {
        records.next().forEach(record -> producer.send(record, this::onSent));
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

    // ---- sending --------------------------------------------------------------------------

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
