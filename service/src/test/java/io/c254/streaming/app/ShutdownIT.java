package io.c254.streaming.app;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        HttpClient keptAlive = HttpClient.newHttpClient();
        // an error answer ends its connection, so each probe gets a pooled connection of its own
        HttpClient keptAliveForReady = HttpClient.newHttpClient();
        URI health = server.http("/health");
        URI ready = server.http("/health/ready");
        try (RawHttp stalled = RawHttp.open(server.port());
             RawHttp late = RawHttp.open(server.port())) {
            // a keep-alive connection opened before the stop, that asks for a stream after it
            assertThat(late.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse().status()).isEqualTo(200);
            // a client that never answers the close keeps the drain going for its full time
            assertThat(stalled.write(RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse().status()).isEqualTo(101);
            assertThat(get(keptAlive, health).statusCode()).isEqualTo(200);
            assertThat(get(keptAliveForReady, ready).statusCode()).isEqualTo(200);

            Thread closing = Thread.ofVirtual().start(() -> {
                try {
                    server.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // the drain has begun once health says so; the stalled client holds it open for 3 s
            HttpResponse<String> down = await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> get(keptAlive, health), response -> response.statusCode() == 503);
            assertThat(down.body()).contains("\"status\":\"down\"");
            HttpResponse<String> notReady = get(keptAliveForReady, ready);
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("draining");
            RawHttp.Response refused = late.write(RawHttp.webSocketUpgrade("/ws/stream?token=test-token")).readResponse();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).contains("SHUTTING_DOWN");
            assertThat(closing.join(Duration.ofSeconds(15))).as("the drain ends within its time").isTrue();
        }
    }

    /** Over the client's pooled connection: the listener is closed while draining, open connections are not. */
    private static HttpResponse<String> get(HttpClient client, URI uri) {
        return TestServer.send(client, HttpRequest.newBuilder(uri).build());
    }
}
