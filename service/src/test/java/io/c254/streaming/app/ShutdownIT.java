package io.c254.streaming.app;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping the service tells connected clients why, so they reconnect elsewhere. */
class ShutdownIT {

    @Test
    void stoppingTheServiceClosesWebSocketsWith1001AndAsksSseStreamsToReconnect() throws Exception {
        TestServer server = TestServer.builder().start();
        try (WsClient ws = WsClient.connect(server.ws("/ws/stream?token=test-token"));
             SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token"))) {
            ws.nextOfType("connection_established");
            sse.nextNamed("connection_established");

            server.close();

            assertThat(ws.awaitCloseCode(Duration.ofSeconds(10))).isEqualTo(CloseReason.GOING_AWAY.code());
            SseClient.Event last = sse.nextNamed("reconnect");
            assertThat(last.json().path("retry_ms").asInt()).isPositive();
            assertThat(sse.nextMatching(e -> e.name().equals("end-of-stream"), Duration.ofSeconds(10))).isNotNull();
        }
    }

    @Test
    void whileDrainingHealthIsDownWith503AndNotReady() throws Exception {
        TestServer server = TestServer.builder().env("ACCESS_DRAIN_SECONDS", "3").start();
        java.net.http.HttpClient keptAlive = java.net.http.HttpClient.newHttpClient();
        // an error answer ends its connection, so each probe gets a pooled connection of its own
        java.net.http.HttpClient keptAliveForReady = java.net.http.HttpClient.newHttpClient();
        java.net.URI health = server.http("/health");
        java.net.URI ready = server.http("/health/ready");
        try (io.c254.streaming.testing.RawHttp stalled = io.c254.streaming.testing.RawHttp.open(server.port());
             io.c254.streaming.testing.RawHttp late = io.c254.streaming.testing.RawHttp.open(server.port())) {
            // a keep-alive connection opened before the stop, that asks for a stream after it
            assertThat(late.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse().status()).isEqualTo(200);
            // a client that never answers the close keeps the drain going for its full time
            assertThat(stalled.write(io.c254.streaming.testing.RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse().status())
                    .isEqualTo(101);
            assertThat(get(keptAlive, health).statusCode()).isEqualTo(200);
            assertThat(get(keptAliveForReady, ready).statusCode()).isEqualTo(200);

            Thread closing = Thread.ofVirtual().start(() -> {
                try {
                    server.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(500);
            var response = get(keptAlive, health);
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("\"status\":\"down\"");
            assertThat(get(keptAliveForReady, ready).body()).contains("draining");
            io.c254.streaming.testing.RawHttp.Response refused =
                    late.write(io.c254.streaming.testing.RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).contains("SHUTTING_DOWN");
            closing.join(Duration.ofSeconds(15));
        }
    }

    /** Over the client's pooled connection: the listener is closed while draining, open connections are not. */
    private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient client, java.net.URI uri) throws Exception {
        return client.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }
}
