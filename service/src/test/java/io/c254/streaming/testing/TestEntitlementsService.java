package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real entitlements service over HTTP on loopback whose answers the test changes while it runs:
 * per topic allow or deny (with a required role), an outage (HTTP 503 for everything), one raw answer
 * for everything (a malformed one), no answer until the test releases it (a slow service), or answers
 * after random delays (a service whose answers overtake one another).
 */
public final class TestEntitlementsService implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean down;
    private volatile RawAnswer raw;
    private volatile long maxDelayMillis;
    private final HeldAnswers held = new HeldAnswers();

    /** An answer given as is, whatever was asked. */
    private record RawAnswer(int status, String body) {
    }

    private TestEntitlementsService(HttpServer server) {
        this.server = server;
    }

    public static TestEntitlementsService start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TestEntitlementsService service = new TestEntitlementsService(server);
        server.createContext("/v1/entitlements/check", service::onCheck);
        // requests are answered concurrently, so that one held answer does not hold the others
        server.setExecutor(service.handlers);
        server.start();
        return service;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void allow(String topic) {
        answers.put(topic, "{\"allowed\":true}");
    }

    public void deny(String topic, String requiredRole) {
        answers.put(topic, "{\"allowed\":false,\"required_role\":\"" + requiredRole + "\"}");
    }

    public void outage(boolean down) {
        this.down = down;
    }

    /** Answers every question with this status and body (not JSON, no boolean `allowed`, an error status), until {@link #answerNormally()}. */
    public void answerEverythingWith(int status, String body) {
        raw = new RawAnswer(status, body);
    }

    /** Back to the per-topic answers after {@link #answerEverythingWith}. */
    public void answerNormally() {
        raw = null;
    }

    /** Questions received from now on are answered only once {@link #releaseAnswers()} is called (or the service closes). */
    public void holdAnswers() {
        held.hold();
    }

    public void releaseAnswers() {
        held.release();
    }

    /** Each answer from now on comes after a random delay of up to this long: answers overtake one another. */
    public void answerAfterRandomDelays(Duration max) {
        maxDelayMillis = max.toMillis();
    }

    /** The request bodies received, in order. */
    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    private void onCheck(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody());
        requests.add(request);
        held.awaitRelease();
        long delay = maxDelayMillis;
        if (delay > 0) {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(delay + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String answer = answers.getOrDefault(request.path("topic").asText(), "{\"allowed\":false,\"required_role\":\"unknown\"}");
        RawAnswer override = raw;
        int status = down ? 503 : override != null ? override.status() : 200;
        byte[] body = (down ? "{\"error\":\"maintenance\"}" : override != null ? override.body() : answer).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    @Override
    public void close() {
        releaseAnswers();
        server.stop(0);
        handlers.shutdownNow();
    }
}
