package io.c254.streaming.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.Unpooled;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "Kafka hop" baseline: a plain consumer on the gateway's topic (every partition assigned, from the end),
 * measuring produce → consume latency of the same window records. The gateway cannot beat this hop; what
 * it adds on top of it is what the gateway costs.
 */
final class KafkaHop implements AutoCloseable, RecordStamp.Sink {

    private static final Logger log = LoggerFactory.getLogger(KafkaHop.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(15);
    private static final long STOP_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deliveries deliveries;
    private final Thread thread;
    private final AtomicLong received = new AtomicLong();
    private final LatencyTally tally = new LatencyTally();
    private volatile boolean running = true;

    private KafkaHop(KafkaConsumer<byte[], byte[]> consumer, Deliveries deliveries) {
        this.consumer = consumer;
        this.deliveries = deliveries;
        this.thread = Thread.ofPlatform().name("kafka-hop").unstarted(this::pollLoop);
    }

    /** Assigns every partition at its end and starts consuming; returns once the positions are set. */
    static KafkaHop start(String bootstrap, String topic, Deliveries windowRule) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties(bootstrap));
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, SETUP_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            // position() resolves the lazy seek now, so no record published after this returns is missed
            partitions.forEach(p -> consumer.position(p, SETUP_TIMEOUT));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException("cannot consume " + topic + " at " + bootstrap + ": " + e.getMessage(), e);
        }
        KafkaHop hop = new KafkaHop(consumer, windowRule);
        hop.thread.start();
        return hop;
    }

    long windowReceived() {
        return received.get();
    }

    /** The latencies; read after {@link #close()}. */
    Histogram latencies() {
        return tally.histogram();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(STOP_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Kafka hop consumer did not stop within {} ms", STOP_TIMEOUT_MILLIS);
        }
    }

    private void pollLoop() {
        try (consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    RecordStamp.read(Unpooled.wrappedBuffer(record.value()), this);
                }
            }
        } catch (WakeupException stopping) {
            // close() asked for it
        }
    }

    /** Only this hop's thread calls it, for each record it consumed. */
    @Override
    public void onRecord(long sentMicros, long seq) {
        if (deliveries.inWindow(sentMicros, seq)) {
            tally.recordLatency(Micros.now() - sentMicros);
            received.incrementAndGet();
        }
    }

    private static Properties properties(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-kafka-hop");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }
}
