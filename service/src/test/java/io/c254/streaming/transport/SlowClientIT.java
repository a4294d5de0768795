package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestIssuer;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that connect and then send slowly or nothing (slowloris) are cut off by deadlines, and
 * cannot hold more than their share of sockets before their streams start; streams, once started,
 * are not held to those deadlines.
 */
@Timeout(60)
class SlowClientIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = TestKafka.uniqueTopic("slow-clients");
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(2_000);
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .topic(TOPIC)
                .env("ACCESS_REQUEST_TIMEOUT_MS", Long.toString(REQUEST_TIMEOUT.toMillis()))
                .env("ACCESS_KEEPALIVE_TIMEOUT_MS", "800")
                .env("ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS", "4")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void aConnectionThatSendsNothingIsAnswered408AndClosedWhileStreamsGoOn() throws Exception {
        try (WsClient ws = WsClient.connect(server.ws("/ws/stream?token=test-token"));
             SseClient sse = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + TOPIC));
             RawHttp silent = RawHttp.open(server.port())) {
            ws.nextOfType("connection_established");
            ws.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TOPIC + "\"]}}");
            ws.nextOfType("subscribed");
            long opened = System.nanoTime();

            RawHttp.Response answer = silent.readResponse();

            assertThat(answer.status()).isEqualTo(408);
            assertThat(JSON.readTree(answer.body()).path("error").asText()).isEqualTo("REQUEST_TIMEOUT");
            assertThat(JSON.readTree(answer.body()).path("message").asText()).contains("ACCESS_REQUEST_TIMEOUT_MS");
            assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(REQUEST_TIMEOUT.minusMillis(100));
            assertThat(silent.readToEnd()).as("closed after the answer").isEmpty();
            // the streams, older than the deadline, were not cut
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TOPIC, "k", "{\"marker\":\"" + marker + "\"}");
            ws.nextData("marker", marker);
            assertThat(sse.nextData("marker", marker).json().path("topic").asText()).isEqualTo(TOPIC);
            assertThat(metric("connections_timed_out_total", "phase=\"request\"")).isPositive();
        }
    }

    @Test
    void aRequestHeadSentOneLineAtATimeIsCutOffAtTheDeadlineNotServed() throws Exception {
        try (RawHttp slow = RawHttp.open(server.port())) {
            slow.write("GET /sse/stream?token=test-token HTTP/1.1\r\n").readTimeout(Duration.ofMillis(200));
            RawHttp.Response answer = null;
            // a header line every 200 ms, as slowloris does every few seconds; the deadline ends it after about 4
            for (int line = 0; line < 50 && answer == null; line++) {
                try {
                    slow.write("X-Slow-" + line + ": still here\r\n");
                    answer = slow.readResponse();
                } catch (SocketTimeoutException stillWaiting) {
                    // no answer yet: the next line follows
                } catch (IOException closed) {
                    break;
                }
            }

            assertThat(answer).as("an answer before the head was whole").isNotNull();
            assertThat(answer.status()).isEqualTo(408);
            assertThat(JSON.readTree(answer.body()).path("error").asText()).isEqualTo("REQUEST_TIMEOUT");
        }
    }

    @Test
    void aKeptAliveConnectionWithNoNextRequestIsClosedWithoutAWord() throws Exception {
        try (RawHttp keptAlive = RawHttp.open(server.port())) {
            keptAlive.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(keptAlive.readResponse().status()).isEqualTo(200);

            assertThat(keptAlive.readToEnd()).as("nothing more, then the end").isEmpty();
        }
    }

    @Test
    void aKeptAliveConnectionServesRequestsThatComeInTime() throws Exception {
        try (RawHttp keptAlive = RawHttp.open(server.port())) {
            for (int i = 0; i < 3; i++) {
                keptAlive.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertThat(keptAlive.readResponse().status()).isEqualTo(200);
            }
        }
    }

    @Test
    void anAddressHoldingItsShareOfConnectionsNotYetStreamsIsRefusedAtOnceWith429AndItsPlacesComeBack() throws Exception {
        try (WsClient stream = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            stream.nextOfType("connection_established");
            double refusedBefore = metric("connections_refused_total", "reason=\"TOO_MANY_PENDING_CONNECTIONS\"");
            List<RawHttp> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    silent.add(RawHttp.open(server.port()));
                }
                // the stream does not count: it started; the fifth connection that has not is one too many
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    try (RawHttp extra = RawHttp.open(server.port())) {
                        RawHttp.Response refused = extra.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse();
                        assertThat(refused.status()).isEqualTo(429);
                        JsonNode body = JSON.readTree(refused.body());
                        assertThat(body.path("error").asText()).isEqualTo("TOO_MANY_PENDING_CONNECTIONS");
                        assertThat(body.path("message").asText()).contains("ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS");
                        assertThat(refused.header("Retry-After")).isNotBlank();
                    }
                });
            } finally {
                for (RawHttp connection : silent) {
                    connection.close();
                }
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(server.get("/health/live").statusCode()).isEqualTo(200));
            assertThat(metric("connections_refused_total", "reason=\"TOO_MANY_PENDING_CONNECTIONS\"")).isGreaterThan(refusedBefore);
        }
    }

    @Test
    void theInstanceCapRefusesWith503AndRetryAfter() throws Exception {
        try (TestServer small = TestServer.builder().env("ACCESS_MAX_PENDING_CONNECTIONS", "2").start();
             RawHttp first = RawHttp.open(small.port());
             RawHttp second = RawHttp.open(small.port())) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawHttp third = RawHttp.open(small.port())) {
                    RawHttp.Response refused = third.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse();
                    assertThat(refused.status()).isEqualTo(503);
                    assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("CONNECTION_LIMIT_REACHED");
                    assertThat(refused.header("Retry-After")).isNotBlank();
                }
            });
        }
    }

    @Test
    void aStreamWhoseTokenCannotBeCheckedInTimeIsAnswered503AndNoSessionIsLeft() throws Exception {
        try (TestIssuer issuer = TestIssuer.start();
             TestServer production = TestServer.builder()
                     .env("ACCESS_ENV", "production")
                     .env("ACCESS_AUTH_SERVICE_URL", issuer.url())
                     .env("ACCESS_HANDSHAKE_TIMEOUT_MS", "500")
                     .start();
             RawHttp client = RawHttp.open(production.port())) {
            issuer.holdKeys();
            // keys the server has not seen (it may have fetched the old ones already): its next fetch is held
            issuer.rotate();
            String token = issuer.rs256(issuer.claims("held", "acme").build());

            RawHttp.Response answer = client.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token)).readResponse();

            assertThat(answer.status()).isEqualTo(503);
            assertThat(JSON.readTree(answer.body()).path("error").asText()).isEqualTo("HANDSHAKE_TIMEOUT");
            assertThat(answer.header("Retry-After")).isNotBlank();
            issuer.releaseKeys();
            // once the keys come, the held admission completes late: its session is opened and must end at once, not stream
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(JSON.readTree(production.get("/stats").body()).path("websocket").path("total_connections").asInt())
                            .as("the late admission went through").isEqualTo(1));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(JSON.readTree(production.get("/stats").body()).path("websocket").path("active_connections").asInt())
                            .as("and its session ended").isZero());
        }
    }

    private static double metric(String name, String label) {
        String text = server.get("/metrics").body();
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(label) + "[^}]*} ([0-9.eE+-]+)$").matcher(text);
        return sample.find() ? Double.parseDouble(sample.group(1)) : 0;
    }
}
