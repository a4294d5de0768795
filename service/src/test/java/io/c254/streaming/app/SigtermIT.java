package io.c254.streaming.app;

import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.ServiceProcess;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real main class in its own JVM, stopped the way Kubernetes stops it: SIGTERM while clients stream. */
class SigtermIT {

    @Test
    void sigtermDrainsClientsCommitsPositionsAndExitsZero() throws Exception {
        String instance = "sigterm-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.broker().createTopic(TopicRegistry.LATEST_PRICES, 1);
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ACCESS_KAFKA_BOOTSTRAP", TestKafka.broker().bootstrapServers(),
                "ACCESS_INSTANCE_ID", instance,
                "ACCESS_DRAIN_SECONDS", "5"))) {
            int port = service.awaitPort();
            await().atMost(Duration.ofSeconds(30)).until(() -> service.status(port, "/health/ready") == 200);
            try (WsClient ws = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws/stream?token=test-token"));
                 SseClient sse = SseClient.connect(service.uri(port, "/sse/stream?token=test-token"))) {
                ws.nextOfType("connection_established");
                sse.nextNamed("connection_established");
                String marker = UUID.randomUUID().toString();
                TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");
                ws.nextData("marker", marker);

                service.process().destroy();

                assertThat(ws.awaitCloseCode(Duration.ofSeconds(10))).isEqualTo(1001);
                assertThat(sse.nextNamed("reconnect").json().path("retry_ms").asInt()).isPositive();
                assertThat(service.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(service.process().exitValue()).as(service.output()).isZero();
            }
            assertThat(committedEqualsEnd(instance)).as("positions committed up to the end").isTrue();
        }
    }

    private static boolean committedEqualsEnd(String instance) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()))) {
            TopicPartition partition = new TopicPartition(TopicRegistry.LATEST_PRICES, 0);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("streaming-service-" + instance)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get(30, TimeUnit.SECONDS).offset();
            return committed.containsKey(partition) && committed.get(partition).offset() == end;
        }
    }
}
