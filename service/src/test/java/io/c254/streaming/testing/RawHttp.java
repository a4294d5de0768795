package io.c254.streaming.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP over a plain socket, for what the JDK clients will not send (hand-made upgrade requests) or
 * will not do (stay silent on a WebSocket).
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;

    private RawHttp(Socket socket) {
        this.socket = socket;
    }

    public static RawHttp open(int port) throws IOException {
        return open(port, 0);
    }

    /** @param receiveBuffer the socket's receive buffer in bytes, 0 for the system's default */
    public static RawHttp open(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(15_000);
        return new RawHttp(socket);
    }

    /** How long a read may wait before it fails with a SocketTimeoutException (15 s unless set). */
    public RawHttp readTimeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    public static String webSocketUpgrade(String pathAndQuery) {
        return "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    }

    /** A WebSocket upgrade request carrying an `Origin` header, as a browser sends it. */
    public static String webSocketUpgrade(String pathAndQuery, String origin) {
        return "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Origin: " + origin + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    }

    /**
     * After a 101: reads the server's next WebSocket frame (unmasked, RFC 6455 section 5.2) and returns its
     * opcode and payload, or null when the connection ends first.
     */
    public Frame readWebSocketFrame() throws IOException {
        InputStream in = socket.getInputStream();
        int first = in.read();
        int second = in.read();
        if (first < 0 || second < 0) {
            return null;
        }
        long length = second & 0x7F;
        if (length == 126) {
            length = ((long) in.read() << 8) | in.read();
        } else if (length == 127) {
            length = java.nio.ByteBuffer.wrap(in.readNBytes(8)).getLong();
        }
        byte[] payload = in.readNBytes((int) length);
        return payload.length < length ? null : new Frame(first & 0x0F, payload);
    }

    /** One WebSocket frame: opcode 1 is text, 8 is close (its payload starts with the 2-byte status). */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    public RawHttp write(String request) throws IOException {
        return write(request.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes as they are: a hand-made WebSocket frame, say. */
    public RawHttp write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Reads a response head and, when it has a Content-Length, its body. */
    public Response readResponse() throws IOException {
        InputStream in = socket.getInputStream();
        return response(readHead(in), in);
    }

    private static Response response(String head, InputStream in) throws IOException {
        int status = Integer.parseInt(head.split(" ", 3)[1]);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new Response(status, head, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    /** The response, or empty when the server ends the connection before sending a byte of one. */
    public java.util.Optional<Response> readResponseOrEnd() throws IOException {
        java.io.PushbackInputStream peek = new java.io.PushbackInputStream(socket.getInputStream(), 1);
        int first = peek.read();
        if (first < 0) {
            return java.util.Optional.empty();
        }
        peek.unread(first);
        String head = readHead(peek);
        return java.util.Optional.of(response(head, peek));
    }

    /** Everything the server sends until it closes the connection (or the timeout passes). */
    public byte[] readToEnd() throws IOException {
        return socket.getInputStream().readAllBytes();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the response head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    public record Response(int status, String head, String body) {
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
