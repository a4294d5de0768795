package io.c254.streaming.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real WebSocket client (the JDK's) that queues every text message as JSON. */
public final class WsClient implements AutoCloseable {

    /**
     * How long a test waits for a message it expects. Generous, because a loaded 2-core machine has been
     * seen to take over 10 s; a message that is not coming fails the test all the same.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final WebSocket socket;
    private final BlockingQueue<JsonNode> messages;
    private final CompletableFuture<Integer> closeCode;
    private final Collector collector;

    private WsClient(WebSocket socket, BlockingQueue<JsonNode> messages, CompletableFuture<Integer> closeCode, Collector collector) {
        this.socket = socket;
        this.messages = messages;
        this.closeCode = closeCode;
        this.collector = collector;
    }

    /**
     * Stops reading after the message being read: the socket's buffers fill and the server sees a client
     * that cannot keep up, as a frozen browser tab is.
     */
    public WsClient stopReading() {
        collector.paused = true;
        return this;
    }

    /** Reads again, from where it stopped. */
    public WsClient readAgain() {
        collector.paused = false;
        if (collector.stalled.compareAndSet(true, false)) {
            socket.request(1);
        }
        return this;
    }

    public static WsClient connect(URI uri) {
        BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        Collector collector = new Collector(messages, closeCode);
        WebSocket socket = HTTP.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, collector)
                .orTimeout(15, TimeUnit.SECONDS)
                .join();
        return new WsClient(socket, messages, closeCode, collector);
    }

    public WsClient send(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
        return this;
    }

    /** One text message split into several frames (a fragmented message, RFC 6455 section 5.4). */
    public WsClient sendInParts(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            socket.sendText(parts[i], i == parts.length - 1).orTimeout(10, TimeUnit.SECONDS).join();
        }
        return this;
    }

    public WsClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(10, TimeUnit.SECONDS).join();
        return this;
    }

    /** The next message, whatever it is; fails after the timeout. */
    public JsonNode next(Duration timeout) {
        try {
            JsonNode message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (message == null) {
                throw new AssertionError("no WebSocket message within " + timeout);
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public JsonNode next() {
        return next(PATIENCE);
    }

    /** Skips messages until one matches (data of other tests' records, for example). */
    public JsonNode nextMatching(Predicate<JsonNode> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching WebSocket message within " + timeout);
            }
            JsonNode message = next(Duration.ofNanos(left));
            if (wanted.test(message)) {
                return message;
            }
        }
    }

    public JsonNode nextOfType(String type) {
        return nextMatching(m -> type.equals(m.path("type").asText()), PATIENCE);
    }

    /** Data messages whose record carries this marker field value. */
    public JsonNode nextData(String markerField, String marker) {
        return nextMatching(m -> "data".equals(m.path("type").asText()) && marker.equals(m.path("data").path(markerField).asText()),
                PATIENCE);
    }

    /** Every message up to and including the first that matches; fails when none does within the timeout. */
    public List<JsonNode> collectUntil(Predicate<JsonNode> last, Duration timeout) {
        List<JsonNode> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching WebSocket message within " + timeout + "; saw " + seen);
            }
            JsonNode message = next(Duration.ofNanos(left));
            seen.add(message);
            if (last.test(message)) {
                return seen;
            }
        }
    }

    /** Every message up to and including the data message whose record carries this marker. */
    public List<JsonNode> collectUntilData(String markerField, String marker) {
        return collectUntil(m -> "data".equals(m.path("type").asText()) && marker.equals(m.path("data").path(markerField).asText()),
                PATIENCE);
    }

    /**
     * Sends a ping and returns every message up to and including its pong. The server answers on the
     * connection's event loop after every write queued there before the ping arrived, so what the
     * server had handed this connection by then is in the list: the barrier after a sentinel record.
     */
    public List<JsonNode> collectThroughPong() {
        send("{\"action\":\"ping\",\"data\":{}}");
        return collectUntil(m -> "pong".equals(m.path("type").asText()), PATIENCE);
    }

    /** Every message that arrives until the server has closed the connection and nothing more is queued. */
    public List<JsonNode> collectUntilClosed(Duration timeout) {
        awaitCloseCode(timeout);
        List<JsonNode> seen = new ArrayList<>();
        for (JsonNode message = messages.poll(); message != null; message = messages.poll()) {
            seen.add(message);
        }
        return seen;
    }

    /** Every message that arrived before the connection ended, however it ended (a killed server sends no close frame). */
    public List<JsonNode> collectUntilEnded(Duration timeout) {
        closeCode.handle((code, error) -> code).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        List<JsonNode> seen = new ArrayList<>();
        for (JsonNode message = messages.poll(); message != null; message = messages.poll()) {
            seen.add(message);
        }
        return seen;
    }

    /** The close code the server sent, waiting up to the timeout for it. */
    public int awaitCloseCode(Duration timeout) {
        return closeCode.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    /** Closes; fails when a message received did not fit its schema in api/asyncapi.yaml. */
    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        socket.abort();
        if (!collector.violations.isEmpty()) {
            throw new AssertionError("messages that do not fit api/asyncapi.yaml: " + collector.violations);
        }
    }

    private static final class Collector implements WebSocket.Listener {
        private final BlockingQueue<JsonNode> messages;
        private final CompletableFuture<Integer> closeCode;
        private final StringBuilder partial = new StringBuilder();
        private final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean paused;
        private final java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();

        Collector(BlockingQueue<JsonNode> messages, CompletableFuture<Integer> closeCode) {
            this.messages = messages;
            this.closeCode = closeCode;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    // every message the server sends is checked against its published description
                    violations.addAll(MessageSchemas.violations(message.path("type").asText(), message));
                    messages.add(message);
                } catch (JsonProcessingException e) {
                    messages.add(JSON.createObjectNode().put("type", "unparseable").put("text", partial.toString()));
                }
                partial.setLength(0);
            }
            if (paused) {
                stalled.set(true);
                // read again between the two checks: nobody will ask for more, so ask now
                if (!paused && stalled.compareAndSet(true, false)) {
                    socket.request(1);
                }
                return null;
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
