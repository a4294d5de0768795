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
import java.util.List;
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

    @Test
    void aClientResumingWhileTheBrokerIsDownGetsWhatItMissedOnceTheBrokerReturns() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, kafkaData);
        int port = broker.port();
        broker.createTopic(TopicRegistry.LATEST_PRICES, 1);
        String run = UUID.randomUUID().toString();
        try (TestServer server = TestServer.builder().env("ACCESS_KAFKA_BOOTSTRAP", broker.bootstrapServers()).start()) {
            String cursor;
            try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
                client.nextOfType("connection_established");
                publish(broker.bootstrapServers(), run + "-before");
                cursor = client.nextData("marker", run + "-before").path("cursor").asText();
            }
            for (int i = 0; i < 5; i++) {
                publish(broker.bootstrapServers(), run + "-missed-" + i);
            }
            broker.close();

            try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
                client.nextOfType("connection_established");
                client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TopicRegistry.LATEST_PRICES + "\"],\"resume\":\"" + cursor + "\"}}");
                client.nextOfType("subscribed");
                broker = EmbeddedKafkaBroker.start(port, kafkaData);
                publish(broker.bootstrapServers(), run + "-live");

                List<String> markers = client.collectUntilData("marker", run + "-live").stream()
                        .filter(m -> m.path("type").asText().equals("data")).map(m -> m.path("data").path("marker").asText()).toList();
                assertThat(markers).containsExactly(run + "-missed-0", run + "-missed-1", run + "-missed-2", run + "-missed-3",
                        run + "-missed-4", run + "-live");
            }
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
