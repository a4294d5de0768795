package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real HTTP client reading an SSE stream, parsed into events as EventSource would (comments kept too). */
public final class SseClient implements AutoCloseable {

    /**
     * How long a test waits for a message it expects. Generous, because a loaded 2-core machine has been
     * seen to take over 10 s; a message that is not coming fails the test all the same.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(30);
    private final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TestServer.REQUEST_TIMEOUT).build();

    /**
     * One event: `name` is "comment" for a comment line. `retryMillis` is the stream's reconnection time
     * when the event was dispatched: the value of the last `retry:` line before it, null while none came.
     */
    public record Event(String id, String name, String data, Integer retryMillis) {
        public Event(String id, String name, String data) {
            this(id, name, data, null);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("event data is not JSON: " + data, e);
            }
        }
    }

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    public static SseClient connect(URI uri) {
        return connect(uri, java.util.Map.of());
    }

    /** With request headers of its own (an `Authorization: Bearer` header, say). */
    public static SseClient connect(URI uri, java.util.Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
            headers.forEach(request::header);
            // the timeout bounds the wait for the response head; events are then read with next(timeout)
            HttpResponse<InputStream> response = HTTP.send(request.timeout(TestServer.REQUEST_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
                throw new AssertionError("SSE stream refused with " + response.statusCode() + ": " + body);
            }
            return new SseClient(response);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot open " + uri.getPath(), e);
        }
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = "message";
            StringBuilder data = null;
            Integer retry = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (data != null) {
                        Event event = new Event(id, name, data.toString(), retry);
                        check(event);
                        events.add(event);
                    }
                    id = null;
                    name = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    events.add(new Event(null, "comment", line.substring(1).trim(), retry));
                } else if (line.matches("retry: ?[0-9]+")) {
                    // WHATWG: a retry field of digits only sets the reconnection time; anything else is ignored
                    retry = Integer.valueOf(line.substring(6).trim());
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
            events.add(new Event(null, "end-of-stream", ""));
        } catch (IOException e) {
            events.add(new Event(null, "end-of-stream", e.toString()));
        }
    }

    public Event next(Duration timeout) {
        try {
            Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("no SSE event within " + timeout);
            }
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public Event nextMatching(Predicate<Event> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching SSE event within " + timeout);
            }
            Event event = next(Duration.ofNanos(left));
            if (wanted.test(event)) {
                return event;
            }
        }
    }

    public Event nextNamed(String name) {
        return nextMatching(e -> e.name().equals(name), PATIENCE);
    }

    public Event nextData(String markerField, String marker) {
        return nextData(markerField, marker, PATIENCE);
    }

    public Event nextData(String markerField, String marker, Duration timeout) {
        return nextMatching(e -> e.name().equals("data") && marker.equals(e.json().path("data").path(markerField).asText()), timeout);
    }

    /** Every event the server sends is checked against its published description (api/asyncapi.yaml). */
    private void check(Event event) {
        String schema = event.name().equals("snapshot") ? "sse.data" : "sse." + event.name();
        try {
            violations.addAll(MessageSchemas.violations(schema, JSON.readTree(event.data())));
        } catch (IOException e) {
            violations.add("event " + event.name() + " is not JSON: " + event.data());
        }
    }

    /** Closes; fails when an event received did not fit its schema in api/asyncapi.yaml. */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // closing a stream the server already ended
        }
        reader.interrupt();
        if (!violations.isEmpty()) {
            throw new AssertionError("events that do not fit api/asyncapi.yaml: " + violations);
        }
    }
}
