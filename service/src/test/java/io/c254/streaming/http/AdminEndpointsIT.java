package io.c254.streaming.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** /health, /stats, /metrics and the plain-HTTP behaviour every route shares. */
class AdminEndpointsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder().env("ACCESS_ALLOWED_ORIGINS", "https://app.example.com").start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(response.body());
    }

    @Test
    void healthHasTheSpecShapeWithLiveKafkaStatus() throws Exception {
        HttpResponse<String> response = server.get("/health");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode health = json(response);
        assertThat(health.path("service").asText()).isEqualTo("streaming");
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("uptime_seconds").isIntegralNumber()).isTrue();
        assertThat(health.path("dependencies").path("kafka").asText()).isEqualTo("ok");
        assertThat(health.path("dependencies").path("auth").asText()).isEqualTo("ok");
        assertThat(health.path("dependencies").has("entitlements")).isTrue();
        assertThat(health.path("version").asText()).isNotBlank();
        assertThat(health.has("commit")).isTrue();
    }

    @Test
    void statsCountConnectionsSubscriptionsAndMessages() throws Exception {
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            String marker = UUID.randomUUID().toString();
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", "{\"marker\":\"" + marker + "\"}");
            client.nextData("marker", marker);

            JsonNode stats = json(server.get("/stats"));
            assertThat(stats.path("websocket").path("active_connections").asInt()).isEqualTo(1);
            assertThat(stats.path("websocket").path("total_connections").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(stats.path("websocket").path("total_messages").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(stats.path("websocket").has("messages_per_second")).isTrue();
            assertThat(stats.path("sse").path("active_connections").asInt()).isZero();
            assertThat(stats.path("subscriptions").path("total_topics").asInt()).isEqualTo(1);
            assertThat(stats.path("subscriptions").path("active_subscriptions").asInt()).isEqualTo(1);
            assertThat(stats.path("subscriptions").path("topics").path(TopicRegistry.LATEST_PRICES).asInt()).isEqualTo(1);
            assertThat(stats.path("kafka").path("consumers").asInt()).isEqualTo(1);
            assertThat(stats.path("kafka").path("topics").toString()).contains(TopicRegistry.LATEST_PRICES);
            assertThat(stats.path("kafka").path("messages_consumed").asLong()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void metricsAreInPrometheusTextFormatWithSpecNames() {
        HttpResponse<String> response = server.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(response.body()).contains("# TYPE websocket_connections_total counter", "sse_connections_total ",
                "messages_sent_total ", "subscriptions_total ", "kafka_messages_consumed_total ");
    }

    @Test
    void unknownPathAndWrongMethodGetJsonErrors() throws Exception {
        HttpResponse<String> missing = server.get("/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing).path("error").asText()).isEqualTo("NOT_FOUND");
        // every endpoint of the README's table, so that a client that mistyped one finds the right one
        String readme = java.nio.file.Files.readString(io.c254.streaming.testing.ProjectFiles.root().resolve("README.md"));
        java.util.regex.Matcher endpoint = java.util.regex.Pattern.compile("\\| `(?:GET|POST) (/[a-z/]+)").matcher(readme);
        java.util.List<String> documented = new java.util.ArrayList<>();
        while (endpoint.find()) {
            documented.add(endpoint.group(1));
        }
        assertThat(documented).contains("/sse/unsubscribe", "/ws/stream", "/metrics");
        assertThat(json(missing).path("message").asText()).startsWith("No endpoint /nope; the endpoints are ").contains(documented);

        HttpResponse<String> wrong = TestServer.send(HttpRequest.newBuilder(server.http("/health"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(json(wrong).path("error").asText()).isEqualTo("METHOD_NOT_ALLOWED");
    }

    @Test
    void inLocalModeAnyOriginGetsCorsHeadersAndPreflightsAnswer() {
        for (String origin : List.of("https://app.example.com", "http://localhost:5173")) {
            HttpResponse<String> preflight = preflight(server, origin);
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue(origin);
            assertThat(preflight.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST");

            HttpResponse<String> health = getWithOrigin(server, "/health", origin);
            assertThat(health.headers().firstValue("access-control-allow-origin")).hasValue(origin);
        }
    }

    @Test
    void inProductionOnlyAllowedOriginsGetCorsHeaders() throws Exception {
        try (TestServer production = TestServer.builder()
                .env("ACCESS_ENV", "production")
                .env("ACCESS_ALLOWED_ORIGINS", "https://app.example.com,https://desk.example.com")
                .start()) {
            for (String allowed : List.of("https://app.example.com", "https://desk.example.com")) {
                HttpResponse<String> preflight = preflight(production, allowed);
                assertThat(preflight.statusCode()).isEqualTo(204);
                assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue(allowed);
                assertThat(preflight.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST", "OPTIONS");
                assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse("")).contains("Authorization", "Content-Type");
                assertThat(preflight.headers().firstValue("vary").orElse("")).containsIgnoringCase("origin");

                HttpResponse<String> health = getWithOrigin(production, "/health", allowed);
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.headers().firstValue("access-control-allow-origin")).hasValue(allowed);
            }
            // a page of another site gets no CORS grant, so its browser keeps the answer from it
            String other = "https://evil.example.net";
            assertThat(preflight(production, other).headers().firstValue("access-control-allow-origin")).isEmpty();
            HttpResponse<String> health = getWithOrigin(production, "/health", other);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("access-control-allow-origin")).isEmpty();
        }
    }

    private static HttpResponse<String> preflight(TestServer target, String origin) {
        return TestServer.send(HttpRequest.newBuilder(target.http("/sse/subscribe"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").build());
    }

    private static HttpResponse<String> getWithOrigin(TestServer target, String path, String origin) {
        return TestServer.send(HttpRequest.newBuilder(target.http(path)).header("Origin", origin).GET().build());
    }

    @Test
    void oversizeRequestBodyIsRefusedWith413() {
        HttpResponse<String> response = TestServer.send(HttpRequest.newBuilder(server.http("/sse/subscribe?token=test-token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("topic=" + "x".repeat(70 * 1024))).build());
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void anSseUrlPastTheRequestLineLimitGets414NamingTheMaximum() throws Exception {
        String filters = java.net.URLEncoder.encode("{\"instrument_id\":[\"" + "I".repeat(20_000) + "\"]}", java.nio.charset.StandardCharsets.UTF_8);

        HttpResponse<String> response = server.get("/sse/stream?token=test-token&filters=" + filters);

        assertThat(response.statusCode()).isEqualTo(414);
        assertThat(json(response).path("error").asText()).isEqualTo("URI_TOO_LONG");
        assertThat(json(response).path("message").asText()).contains("16384 bytes");
    }

    @Test
    void headersPastTheirLimitGet431NamingTheMaximum() throws Exception {
        HttpResponse<String> response = TestServer.send(HttpRequest.newBuilder(server.http("/health"))
                .header("X-Padding", "p".repeat(20_000)).GET().build());

        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(json(response).path("error").asText()).isEqualTo("HEADERS_TOO_LARGE");
        assertThat(json(response).path("message").asText()).contains("16384 bytes");
    }
}
