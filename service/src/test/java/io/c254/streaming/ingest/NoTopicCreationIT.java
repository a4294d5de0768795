package io.c254.streaming.ingest;

import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "The consumer never creates topics", against a broker that would create any topic a client asks
 * about: a second broker, started with {@code auto.create.topics.enable=true}. The shared test broker
 * refuses auto-creation, so there the promise could not be broken.
 */
@Timeout(120)
class NoTopicCreationIT {

    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafkaBroker.start(0, null, Map.of("auto.create.topics.enable", "true"));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void theBrokerCreatesATopicForAnyConsumerThatAsksAboutIt() throws Exception {
        // the control: without it, the test below would pass on a broker that cannot create topics at all
        String asked = TestKafka.uniqueTopic("asked-about");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, true,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.partitionsFor(asked, Duration.ofSeconds(15));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> kafka.topicNames().contains(asked));
    }

    @Test
    void aRegisteredTopicMissingFromKafkaStaysMissingWhileTheServiceRefreshesItsMetadata() throws Exception {
        String missing = TestKafka.uniqueTopic("never-created");
        String later = TestKafka.uniqueTopic("created-later");
        kafka.createTopic(TopicRegistry.LATEST_PRICES, 1);
        try (TestServer server = TestServer.builder()
                .env("ACCESS_KAFKA_BOOTSTRAP", kafka.bootstrapServers())
                .topicNotInKafka(missing)
                .topicNotInKafka(later)
                .start();
             WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"));
             KafkaProducer<String, String> producer = producer()) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + missing + "\",\"" + later + "\"]}}");
            client.nextOfType("subscribed");

            // a registered topic created after start is found by a metadata refresh, which looks for every registered topic
            kafka.createTopic(later, 1);
            String marker = UUID.randomUUID().toString();
            producer.send(new ProducerRecord<>(later, "k", "{\"marker\":\"" + marker + "\"}")).get(15, TimeUnit.SECONDS);
            client.nextMatching(m -> marker.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30));

            assertThat(kafka.topicNames()).as("topics in Kafka after the service refreshed its metadata").doesNotContain(missing);
        }
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }
}
