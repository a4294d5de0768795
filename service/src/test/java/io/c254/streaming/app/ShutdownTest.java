package io.c254.streaming.app;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping the service tells connected clients why, so they reconnect elsewhere. */
class ShutdownTest {

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
}
