package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A WebSocket client on a plain socket that sends whatever bytes a test makes ({@link ClientFrame}) and reads
 * the server's frames as they come, for protocol violations no real client library will commit.
 */
public final class RawWebSocket implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The server answers every frame at once; a frame that does not come fails the test in seconds rather
     * than when the server's heartbeat closes the connection.
     */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final RawHttp http;

    private RawWebSocket(RawHttp http) {
        this.http = http;
    }

    /** Upgrades with this token and reads the `connection_established` message, so the connection is fully set up. */
    public static RawWebSocket open(int port, String token) throws IOException {
        RawHttp http = RawHttp.open(port).readTimeout(READ_TIMEOUT);
        RawHttp.Response response = http.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + token)).readResponse();
        if (response.status() != 101) {
            http.close();
            throw new AssertionError("upgrade refused with " + response.status() + ": " + response.body());
        }
        RawWebSocket socket = new RawWebSocket(http);
        RawHttp.Frame first = http.readWebSocketFrame();
        if (first == null || !"connection_established".equals(json(first).path("type").asText())) {
            socket.close();
            throw new AssertionError("the server's first message is not connection_established");
        }
        return socket;
    }

    public RawWebSocket send(ClientFrame... frames) throws IOException {
        for (ClientFrame frame : frames) {
            http.write(frame.bytes());
        }
        return this;
    }

    public RawWebSocket send(byte[] bytes) throws IOException {
        http.write(bytes);
        return this;
    }

    /**
     * Sends bytes the server may stop reading halfway (it found a violation and closed): returns false when
     * the connection was gone before all were written. What the server sent before it closed stays readable.
     */
    public boolean sendUnlessGone(byte[] bytes) {
        try {
            http.write(bytes);
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    /** The server's next frame; fails when the connection ends first or nothing comes within the socket timeout. */
    public RawHttp.Frame next() throws IOException {
        RawHttp.Frame frame = http.readWebSocketFrame();
        if (frame == null) {
            throw new AssertionError("the connection ended without a close frame");
        }
        return frame;
    }

    /** The next text message, as JSON, skipping the server's own heartbeat pings. */
    public JsonNode nextMessage() throws IOException {
        RawHttp.Frame frame = next();
        while (frame.opcode() == ClientFrame.PING) {
            frame = next();
        }
        if (frame.opcode() != ClientFrame.TEXT) {
            throw new AssertionError("expected a text message, got opcode " + frame.opcode() + " (" + frame.text() + ")");
        }
        return json(frame);
    }

    /**
     * Reads until the server's close frame and then the end of the connection. Fails when the connection
     * ends without a close frame, or is still open after it.
     */
    public Ending readToEnd() throws IOException {
        List<RawHttp.Frame> before = new ArrayList<>();
        RawHttp.Frame frame = next();
        while (frame.opcode() != ClientFrame.CLOSE) {
            before.add(frame);
            frame = next();
        }
        int code = frame.payload().length >= 2 ? ByteBuffer.wrap(frame.payload()).getShort() & 0xFFFF : -1;
        return new Ending(before, code, connectionEnds());
    }

    /** True when the server ends the TCP connection (an orderly end or a reset) before the socket timeout. */
    private boolean connectionEnds() {
        try {
            return http.readToEnd() != null;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** How the server ended a connection: what it sent first, its close code and whether it then closed TCP. */
    public record Ending(List<RawHttp.Frame> before, int closeCode, boolean connectionClosed) {
        /** The server's text messages before its close frame, as JSON. */
        public List<JsonNode> messages() {
            return before.stream().filter(f -> f.opcode() == ClientFrame.TEXT).map(RawWebSocket::json).toList();
        }
    }

    public static JsonNode json(RawHttp.Frame frame) {
        try {
            return JSON.readTree(frame.payload());
        } catch (IOException e) {
            throw new AssertionError("a server text frame is not JSON: " + frame.text(), e);
        }
    }

    @Override
    public void close() throws IOException {
        http.close();
    }
}
