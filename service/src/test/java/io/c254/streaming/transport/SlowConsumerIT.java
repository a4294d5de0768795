package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.ServerFrames;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that stops reading must not grow the server's memory nor hold back others: once its outbound
 * buffer passes ACCESS_MAX_CLIENT_BUFFER_BYTES it is closed as a slow consumer (4001). The stalled
 * client is a raw socket with a small receive buffer. The server writes its close frame (or last SSE
 * event) behind the bytes the client did not read and cuts the connection 5 s later, so the stalled
 * client resumes reading as soon as the server has given up on it (the disconnect is counted) and then
 * finds that last message at the end of what it was sent.
 */
class SlowConsumerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUFFER_BYTES = "65536";

    @Test
    @Timeout(90)
    void webSocketClientThatStopsReadingIsClosedWith4001WhileAReadingClientKeepsReceiving() throws Exception {
        String topic = TestKafka.uniqueTopic("slow-ws");
        try (TestServer server = TestServer.builder()
                .env("ACCESS_MAX_CLIENT_BUFFER_BYTES", BUFFER_BYTES)
                .topic(topic, "default: true")
                .start();
             RawHttp stalled = RawHttp.open(server.port(), 4096);
             WsClient reader = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            assertThat(stalled.write(RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse().status()).isEqualTo(101);
            reader.nextOfType("connection_established");
            // the flood goes to the stalled client only; the reader shows that others are not held back
            reader.send("{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
            reader.nextOfType("unsubscribed");
            awaitSubscribers(server, topic, 1);

            CompletableFuture<byte[]> sentToStalled = readToEndOnceGivenUp(server, "websocket", stalled);
            try (Flood flood = Flood.start(topic)) {
                assertReaderReceives(reader);
                byte[] rest = sentToStalled.get(45, TimeUnit.SECONDS);
                assertThat(ServerFrames.lastCloseCode(rest)).as("the status of the last close frame on the wire").isEqualTo(4001);
            }
            // as a client does after a close frame (RFC 6455 section 7.1.1); the server would wait 5 s for it
            stalled.close();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(stats(server).path("websocket").path("active_connections").asInt()).isEqualTo(1));
            assertThat(server.get("/metrics").body())
                    .as("the disconnect is counted by reason").contains(slowConsumerDisconnects("websocket") + " 1.0");
            assertReaderReceives(reader);
        }
    }

    @Test
    @Timeout(90)
    void sseClientThatStopsReadingIsDisconnectedWithALastSlowConsumerErrorWhileAReadingClientKeepsReceiving() throws Exception {
        String topic = TestKafka.uniqueTopic("slow-sse");
        try (TestServer server = TestServer.builder()
                .env("ACCESS_MAX_CLIENT_BUFFER_BYTES", BUFFER_BYTES)
                .topic(topic)
                .start();
             RawHttp stalled = RawHttp.open(server.port(), 4096);
             SseClient reader = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            RawHttp.Response head = stalled.write("GET /sse/stream?token=test-token&topics=" + topic + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n").readResponse();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding")).isEqualTo("chunked");
            reader.nextNamed("connection_established");
            awaitSubscribers(server, topic, 1);
            assertThat(stats(server).path("sse").path("active_connections").asInt()).isEqualTo(2);

            CompletableFuture<byte[]> sentToStalled = readToEndOnceGivenUp(server, "sse", stalled);
            try (Flood flood = Flood.start(topic)) {
                assertSseReaderReceives(reader);
                Chunked body = Chunked.decode(sentToStalled.get(45, TimeUnit.SECONDS));
                assertThat(body.complete()).as("the stream ends with its last chunk").isTrue();
                String events = body.text();
                String lastEvent = events.substring(events.lastIndexOf("event: "));
                assertThat(lastEvent).startsWith("event: error\ndata: ").endsWith("\n\n");
                JsonNode error = JSON.readTree(lastEvent.substring("event: error\ndata: ".length()).strip());
                assertThat(error.path("error").asText()).isEqualTo("SLOW_CONSUMER");
                assertThat(error.path("close_code").asInt()).isEqualTo(4001);
                assertThat(error.path("message").asText()).isNotBlank();
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(stats(server).path("sse").path("active_connections").asInt()).isEqualTo(1));
            assertThat(server.get("/metrics").body())
                    .as("the disconnect is counted by reason").contains(slowConsumerDisconnects("sse") + " 1.0");
            assertSseReaderReceives(reader);
        }
    }

    private static String slowConsumerDisconnects(String transport) {
        return "disconnects_total{reason=\"SLOW_CONSUMER\",transport=\"" + transport + "\"}";
    }

    private static JsonNode stats(TestServer server) throws IOException {
        return JSON.readTree(server.get("/stats").body());
    }

    private static void awaitSubscribers(TestServer server, String topic, int count) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(stats(server).path("subscriptions").path("topics").path(topic).asInt()).isEqualTo(count));
    }

    /**
     * On another thread: waits until the server has counted the slow-consumer disconnect, then reads
     * everything it sent until it ends the connection. Reading starts at once, well within the 5 s the
     * server gives a stalled client's last message before cutting the connection.
     */
    private static CompletableFuture<byte[]> readToEndOnceGivenUp(TestServer server, String transport, RawHttp stalled) {
        return CompletableFuture.supplyAsync(() -> {
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
                    .until(() -> server.get("/metrics").body().contains(slowConsumerDisconnects(transport) + " 1.0"));
            try {
                return stalled.readToEnd();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> Thread.ofVirtual().name("stalled-client").start(task));
    }

    private static void assertReaderReceives(WsClient reader) {
        String marker = UUID.randomUUID().toString();
        TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");
        assertThat(reader.nextMatching(m -> marker.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30))).isNotNull();
    }

    private static void assertSseReaderReceives(SseClient reader) {
        String marker = UUID.randomUUID().toString();
        TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");
        assertThat(reader.nextMatching(e -> e.name().equals("data") && marker.equals(e.json().path("data").path("marker").asText()),
                Duration.ofSeconds(30))).isNotNull();
    }

    /** 1 KiB records published on another thread, 1 MiB at a time, until closed (at most 16 MiB: far more than socket buffers hold). */
    private static final class Flood implements AutoCloseable {
        private static final String PADDING = "x".repeat(1000);
        private final AtomicBoolean stop = new AtomicBoolean();
        private final CompletableFuture<Void> done;

        private Flood(String topic) {
            this.done = CompletableFuture.runAsync(() -> {
                for (int batch = 0; batch < 16 && !stop.get(); batch++) {
                    int first = batch * 1000;
                    TestKafka.publishAll(topic, IntStream.range(first, first + 1000)
                            .mapToObj(i -> "{\"seq\":" + i + ",\"pad\":\"" + PADDING + "\"}").toList());
                }
            }, task -> Thread.ofVirtual().name("flood").start(task));
        }

        static Flood start(String topic) {
            return new Flood(topic);
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            done.get(60, TimeUnit.SECONDS);
        }
    }

    /** An HTTP/1.1 chunked body (RFC 9112 section 7.1): its data, and whether the last (zero-size) chunk came. */
    private record Chunked(byte[] data, boolean complete) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }

        static Chunked decode(byte[] bytes) {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            int at = 0;
            while (true) {
                int lineEnd = indexOfCrlf(bytes, at);
                if (lineEnd < 0) {
                    return new Chunked(data.toByteArray(), false);
                }
                int size = Integer.parseInt(new String(bytes, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
                if (size == 0) {
                    return new Chunked(data.toByteArray(), true);
                }
                int start = lineEnd + 2;
                if (start + size + 2 > bytes.length) {
                    return new Chunked(data.toByteArray(), false);
                }
                data.write(bytes, start, size);
                at = start + size + 2;
            }
        }

        private static int indexOfCrlf(byte[] bytes, int from) {
            for (int i = from; i + 1 < bytes.length; i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }
}
