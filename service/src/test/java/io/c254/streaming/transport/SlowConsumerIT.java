package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A client that stops reading must not grow the server's memory nor hold back others. */
class SlowConsumerIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void clientThatStopsReadingIsDisconnectedWhileAReadingClientKeepsReceiving() throws Exception {
        String topic = TestKafka.uniqueTopic("slow");
        try (TestServer server = TestServer.builder()
                .env("ACCESS_MAX_CLIENT_BUFFER_BYTES", "65536")
                .topic(topic, "default: true")
                .start();
             RawHttp stalled = RawHttp.open(server.port(), 4096);
             WsClient reader = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            assertThat(stalled.write(RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse().status()).isEqualTo(101);
            reader.nextOfType("connection_established");
            // the flood goes to the stalled client only; the reader shows that others are not held back
            reader.send("{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
            reader.nextOfType("unsubscribed");

            // about 12 MiB in 1 KiB records: far more than the socket buffers to the stalled client hold
            String padding = "x".repeat(1000);
            TestKafka.publishAll(topic, java.util.stream.IntStream.range(0, 12_000)
                    .mapToObj(i -> "{\"seq\":" + i + ",\"pad\":\"" + padding + "\"}").toList());
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");

            assertThat(reader.nextMatching(m -> marker.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30))).isNotNull();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(JSON.readTree(server.get("/stats").body()).path("websocket").path("active_connections").asInt()).isEqualTo(1));
            assertThat(server.get("/metrics").body())
                    .as("the disconnect is counted by reason").contains("disconnects_total{reason=\"SLOW_CONSUMER\",transport=\"websocket\"} 1.0");
        }
    }
}
