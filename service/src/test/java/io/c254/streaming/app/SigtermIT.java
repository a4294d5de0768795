package io.c254.streaming.app;

import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName());
        builder.environment().putAll(Map.of(
                "ACCESS_BIND_ADDRESS", "127.0.0.1",
                "ACCESS_PORT", Integer.toString(port),
                "ACCESS_KAFKA_BOOTSTRAP", TestKafka.broker().bootstrapServers(),
                "ACCESS_INSTANCE_ID", instance,
                "ACCESS_DRAIN_SECONDS", "5",
                "ACCESS_LOG_LEVEL", "warn"));
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        TestKafka.broker().createTopic(TopicRegistry.LATEST_PRICES, 1);
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> ready(port));
            try (WsClient ws = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws/stream?token=test-token"));
                 SseClient sse = SseClient.connect(URI.create("http://127.0.0.1:" + port + "/sse/stream?token=test-token"))) {
                ws.nextOfType("connection_established");
                sse.nextNamed("connection_established");
                String marker = UUID.randomUUID().toString();
                TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");
                ws.nextData("marker", marker);

                process.destroy();

                assertThat(ws.awaitCloseCode(Duration.ofSeconds(10))).isEqualTo(1001);
                assertThat(sse.nextNamed("reconnect").json().path("retry_ms").asInt()).isPositive();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).isZero();
            }
            assertThat(committedEqualsEnd(instance)).as("positions committed up to the end").isTrue();
        } finally {
            process.destroyForcibly();
        }
    }

    private static boolean ready(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200;
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

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
