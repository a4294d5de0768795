package io.c254.streaming.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.CapturedLogs;
import io.c254.streaming.testing.JsonLines;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.ServerFrames;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * README "Logs": every connection logs one line when it opens and one when it closes (logger `access`),
 * with connection_id, user_id, tenant_id, transport, and on close duration_ms, messages_sent and
 * close_reason (a close code name, or client_closed).
 */
class AccessLogIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "tenant-access";
    /** Readable by the role `auditor` only: the default topic is not, so these users get exactly what the test sends. */
    private static final String TOPIC = TestKafka.uniqueTopic("access");
    private static TestServer server;
    private CapturedLogs access;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .env("ACCESS_HEARTBEAT_TIMEOUT", "2")
                .topic(TOPIC, "required_roles: [auditor]")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @BeforeEach
    void captureAccessLog() {
        access = CapturedLogs.of("access", Level.INFO);
    }

    @AfterEach
    void restoreAccessLog() {
        access.close();
    }

    private static String user(String label) {
        return label + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The access lines of one connection, once both are there. */
    private List<ILoggingEvent> linesOf(String connectionId) {
        await().atMost(Duration.ofSeconds(15)).until(() -> access.events(e -> connectionId.equals(e.getMDCPropertyMap().get("connection_id"))).size() >= 2);
        List<ILoggingEvent> lines = access.events(e -> connectionId.equals(e.getMDCPropertyMap().get("connection_id")));
        assertThat(lines).hasSize(2).allSatisfy(line -> {
            assertThat(line.getLoggerName()).isEqualTo("access");
            assertThat(line.getLevel()).isEqualTo(Level.INFO);
        });
        return lines;
    }

    private static Map<String, Object> opened(String id, String user, String transport) {
        return Map.of("connection_id", id, "user_id", user, "tenant_id", TENANT, "transport", transport);
    }

    private static Map<String, Object> closed(String id, String user, String transport, int messagesSent, String closeReason) {
        Map<String, Object> fields = new HashMap<>(opened(id, user, transport));
        fields.put("messages_sent", messagesSent);
        fields.put("close_reason", closeReason);
        return fields;
    }

    /** The close line's fields as its JSON line has them, duration_ms checked to be a number within what the test measured, then left out. */
    private static Map<String, Object> withoutDuration(ILoggingEvent close, long measuredMillis) {
        Map<String, Object> fields = fields(close);
        assertThat(fields.get("duration_ms")).as("duration_ms is a JSON number").isInstanceOf(Number.class);
        assertThat(((Number) fields.remove("duration_ms")).longValue()).isBetween(0L, measuredMillis);
        return fields;
    }

    /** The fields a line adds to every line's own (timestamp, level, message...), as the production JSON encoder writes them. */
    private static Map<String, Object> fields(ILoggingEvent line) {
        Map<String, Object> json = JSON.convertValue(JsonLines.encode(line), new TypeReference<Map<String, Object>>() { });
        List.of("timestamp", "level", "service", "message", "logger", "thread").forEach(json::remove);
        return json;
    }

    @Test
    void webSocketClientThatLeavesIsLoggedOnOpenAndOnCloseWithClientClosed() {
        String user = user("access-ws");
        long started = System.currentTimeMillis();
        String id;
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + TestTokens.jwt(user, TENANT, "auditor")))) {
            id = client.nextOfType("connection_established").path("connection_id").asText();
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TOPIC + "\"]}}");
            client.nextOfType("subscribed");
            String run = UUID.randomUUID().toString();
            TestKafka.publish(TOPIC, "k", "{\"marker\":\"" + run + "-1\"}");
            TestKafka.publish(TOPIC, "k", "{\"marker\":\"" + run + "-2\"}");
            client.nextMatching(m -> (run + "-1").equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30));
            client.nextMatching(m -> (run + "-2").equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30));
        }
        List<ILoggingEvent> lines = linesOf(id);
        long measured = System.currentTimeMillis() - started;

        assertThat(fields(lines.get(0))).isEqualTo(opened(id, user, "websocket"));
        assertThat(withoutDuration(lines.get(1), measured)).isEqualTo(closed(id, user, "websocket", 2, "client_closed"));
    }

    @Test
    void sseClientThatLeavesIsLoggedOnOpenAndOnCloseWithClientClosed() {
        String user = user("access-sse");
        long started = System.currentTimeMillis();
        String id;
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=" + TestTokens.jwt(user, TENANT, "auditor")))) {
            id = sse.nextNamed("connection_established").json().path("connection_id").asText();
        }
        List<ILoggingEvent> lines = linesOf(id);
        long measured = System.currentTimeMillis() - started;

        assertThat(fields(lines.get(0))).isEqualTo(opened(id, user, "sse"));
        assertThat(withoutDuration(lines.get(1), measured)).isEqualTo(closed(id, user, "sse", 0, "client_closed"));
    }

    @Test
    void webSocketTheServerEndsIsLoggedWithTheCloseCodeName() throws Exception {
        String user = user("access-silent");
        long started = System.currentTimeMillis();
        String id;
        try (RawHttp silent = RawHttp.open(server.port())) {
            assertThat(silent.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + TestTokens.jwt(user, TENANT, "auditor")))
                    .readResponse().status()).isEqualTo(101);
            id = JSON.readTree(silent.readWebSocketFrame().text()).path("connection_id").asText();
            // never answering the server's pings: closed after the 2 s heartbeat timeout
            silent.readToEnd();
        }
        List<ILoggingEvent> lines = linesOf(id);
        long measured = System.currentTimeMillis() - started;

        assertThat(fields(lines.get(0))).isEqualTo(opened(id, user, "websocket"));
        assertThat(withoutDuration(lines.get(1), measured)).isEqualTo(closed(id, user, "websocket", 0, "HEARTBEAT_TIMEOUT"));
    }

    @Test
    void sseStreamTheServerEndsAtTokenExpiryIsLoggedWithTokenExpired() {
        String user = user("access-expiring");
        long started = System.currentTimeMillis();
        Instant exp = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(3);
        String id;
        try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=" + TestTokens.jwtExpiringAt(exp, user, TENANT, "auditor")))) {
            id = sse.nextNamed("connection_established").json().path("connection_id").asText();
            assertThat(sse.nextNamed("error").json().path("error").asText()).isEqualTo("TOKEN_EXPIRED");
            sse.nextNamed("end-of-stream");
        }
        List<ILoggingEvent> lines = linesOf(id);
        long measured = System.currentTimeMillis() - started;

        assertThat(withoutDuration(lines.get(1), measured)).isEqualTo(closed(id, user, "sse", 0, "TOKEN_EXPIRED"));
    }

    @Test
    void webSocketClosedForAnOversizeMessageIsLoggedWithMessageTooBig() {
        String user = user("access-oversize");
        long started = System.currentTimeMillis();
        String id;
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + TestTokens.jwt(user, TENANT, "auditor")))) {
            id = client.nextOfType("connection_established").path("connection_id").asText();
            client.send("{\"action\":\"ping\",\"data\":{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}}");
            assertThat(client.awaitCloseCode(Duration.ofSeconds(10))).isEqualTo(1009);
        }
        List<ILoggingEvent> lines = linesOf(id);
        long measured = System.currentTimeMillis() - started;

        assertThat(withoutDuration(lines.get(1), measured)).isEqualTo(closed(id, user, "websocket", 0, "MESSAGE_TOO_BIG"));
    }

    @Test
    void webSocketClosedForASingleOversizeFrameIsLoggedWithMessageTooBig() throws Exception {
        String user = user("access-frame");
        long started = System.currentTimeMillis();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(RawHttp.webSocketUpgrade("/ws/stream?token=" + TestTokens.jwt(user, TENANT, "auditor"))
                    .getBytes(StandardCharsets.UTF_8));
            readResponseHead(socket.getInputStream());
            socket.getOutputStream().write(maskedTextFrame(70 * 1024));
            assertThat(ServerFrames.lastCloseCode(readUntilClosed(socket.getInputStream())))
                    .as("the client reads the 1009, not a reset").isEqualTo(1009);
        }
        String id = await().atMost(Duration.ofSeconds(15)).until(() -> access.events(e -> user.equals(e.getMDCPropertyMap().get("user_id"))).stream()
                .map(e -> e.getMDCPropertyMap().get("connection_id")).findFirst().orElse(null), java.util.Objects::nonNull);
        List<ILoggingEvent> lines = linesOf(id);
        long measured = System.currentTimeMillis() - started;

        assertThat(withoutDuration(lines.get(1), measured)).isEqualTo(closed(id, user, "websocket", 0, "MESSAGE_TOO_BIG"));
    }

    /** One final text frame of that many bytes, masked as a client's must be (RFC 6455 section 5.3; a zero key leaves it as is). */
    private static byte[] maskedTextFrame(int length) {
        ByteBuffer frame = ByteBuffer.allocate(2 + 8 + 4 + length);
        frame.put((byte) 0x81).put((byte) (0x80 | 127)).putLong(length).putInt(0);
        frame.put("x".repeat(length).getBytes(StandardCharsets.US_ASCII));
        return frame.array();
    }

    private static void readResponseHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the response head");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    /** What the server sent after the upgrade, until it ended the connection; a reset fails the test. */
    private static byte[] readUntilClosed(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
