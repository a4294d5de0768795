package io.c254.streaming.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes to the gateway's topic with a real producer: acks=1 and no linger, so each record leaves at once. */
final class KafkaPublisher implements Publisher {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final AtomicLong failures = new AtomicLong();
    private final Callback onSent = (metadata, error) -> {
        if (error != null) {
            failures.incrementAndGet();
        }
    };

    private KafkaPublisher(KafkaProducer<String, byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** Connects and reads the topic's metadata now, so that the first record of the run does not wait for it. */
    static KafkaPublisher open(String bootstrap, String topic) {
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties(bootstrap));
        try {
            producer.partitionsFor(topic);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw new IllegalStateException("cannot publish to " + topic + " at " + bootstrap + ": " + e.getMessage(), e);
        }
        return new KafkaPublisher(producer, topic);
    }

    @Override
    public void publish(int instrument, byte[] record) {
        // keyed by instrument as a price feed is: records spread over the partitions
        producer.send(new ProducerRecord<>(topic, InstrumentFilter.id(instrument), record), onSent);
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }

    private static Properties properties(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-publisher");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // bounded: a broker that has gone away fails sends within seconds instead of stalling the schedule
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        return p;
    }
}
