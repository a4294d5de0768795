package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real entitlements service over HTTP on loopback whose answers the test changes while it runs:
 * per topic allow or deny (with a required role), or an outage (HTTP 503 for everything).
 */
public final class TestEntitlementsService implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    private TestEntitlementsService(HttpServer server) {
        this.server = server;
    }

    public static TestEntitlementsService start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TestEntitlementsService service = new TestEntitlementsService(server);
        server.createContext("/v1/entitlements/check", service::onCheck);
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

    /** The request bodies received, in order. */
    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    private void onCheck(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody());
        requests.add(request);
        String answer = answers.getOrDefault(request.path("topic").asText(), "{\"allowed\":false,\"required_role\":\"unknown\"}");
        byte[] body = (down ? "{\"error\":\"maintenance\"}" : answer).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(down ? 503 : 200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
