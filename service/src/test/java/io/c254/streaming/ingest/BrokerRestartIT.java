package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.kafka.embedded.EmbeddedKafkaBroker;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A broker of its own, stopped and started again under a running service and a connected client. */
class BrokerRestartIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path kafkaData;

    @Test
    void serviceReportsKafkaDownThenResumesDeliveryWhenTheBrokerReturns() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, kafkaData);
        int port = broker.port();
        broker.createTopic(TopicRegistry.LATEST_PRICES, 1);
        try (TestServer server = TestServer.builder().env("ACCESS_KAFKA_BOOTSTRAP", broker.bootstrapServers()).start();
             WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            publish(broker.bootstrapServers(), "before");
            client.nextData("marker", "before");

            broker.close();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(health(server).path("dependencies").path("kafka").asText()).isEqualTo("down"));
            assertThat(health(server).path("status").asText()).isEqualTo("degraded");

            broker = EmbeddedKafkaBroker.start(port, kafkaData);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(health(server).path("dependencies").path("kafka").asText()).isEqualTo("ok"));
            String marker = "after-" + UUID.randomUUID();
            publish(broker.bootstrapServers(), marker);
            assertThat(client.nextData("marker", marker).path("topic").asText()).isEqualTo(TopicRegistry.LATEST_PRICES);
        } finally {
            broker.close();
        }
    }

    private static JsonNode health(TestServer server) throws Exception {
        return JSON.readTree(server.get("/health").body());
    }

    private static void publish(String bootstrap, String marker) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}")).get(30, TimeUnit.SECONDS);
        }
    }
}
