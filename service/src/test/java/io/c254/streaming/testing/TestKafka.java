package io.c254.streaming.testing;

import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** One real Kafka broker per test JVM, started on first use, and a producer to publish with. */
public final class TestKafka {

    private static EmbeddedKafkaBroker broker;
    private static KafkaProducer<String, String> producer;

    private TestKafka() {
    }

    public static synchronized EmbeddedKafkaBroker broker() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.start(0, null);
            Runtime.getRuntime().addShutdownHook(new Thread(TestKafka::stop, "test-kafka-stop"));
        }
        return broker;
    }

    /** A topic name no other test uses. */
    public static String uniqueTopic(String label) {
        return "it." + label + "." + UUID.randomUUID().toString().substring(0, 8);
    }

    public static void publish(String topic, String key, String value) {
        publish(topic, null, key, value);
    }

    /** Publishes and waits for the broker's acknowledgement, so the record is in the log when this returns. */
    public static void publish(String topic, Integer partition, String key, String value) {
        try {
            producer().send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("publishing to " + topic + " failed", e);
        }
    }

    /** Publishes many records in batches and waits until all are acknowledged. */
    public static void publishAll(String topic, java.util.List<String> values) {
        var sends = values.stream().map(v -> producer().send(new ProducerRecord<>(topic, "k", v))).toList();
        producer().flush();
        for (var send : sends) {
            try {
                send.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("publishing to " + topic + " failed", e);
            }
        }
    }

    private static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker().bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 0,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        }
        return producer;
    }

    private static synchronized void stop() {
        if (producer != null) {
            producer.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
