package io.c254.streaming.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestEntitlementsService;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Storms of commands against an entitlements service whose answers overtake one another: whatever each
 * command waits for, a connection's commands take effect and are answered in the order sent, the limit
 * holds, and no data of a topic arrives while the acknowledgements say it is not subscribed. Each storm
 * is compared with a sequential reading of the same commands ({@link Reading}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandOrderIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 2;
    private static final String DEFAULT = TopicRegistry.LATEST_PRICES;
    private static final String B = TestKafka.uniqueTopic("order-b");
    private static final String C = TestKafka.uniqueTopic("order-c");
    /** Denied by the entitlements service: never held. */
    private static final String DENIED = TestKafka.uniqueTopic("order-denied");
    private static final List<String> TOPICS = List.of(DEFAULT, B, C, DENIED);
    private static final int COMMANDS = 300;
    private static final int WINDOW = 100;

    private static TestEntitlementsService entitlements;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        entitlements = TestEntitlementsService.start();
        List.of(DEFAULT, B, C).forEach(entitlements::allow);
        entitlements.deny(DENIED, "desk_head");
        entitlements.answerAfterRandomDelays(Duration.ofMillis(40));
        server = TestServer.builder()
                .env("ACCESS_ENTITLEMENTS_SERVICE_URL", entitlements.url())
                // decisions expire within a storm, so commands keep waiting for answers that overtake one another
                .env("ACCESS_ENTITLEMENTS_ALLOW_TTL_SECONDS", "1")
                .env("ACCESS_ENTITLEMENTS_DENY_TTL_SECONDS", "1")
                .env("ACCESS_MAX_SUBSCRIPTIONS_PER_CONNECTION", Integer.toString(LIMIT))
                .env("ACCESS_RATE_MESSAGES_PER_SECOND", "100000")
                .topic(B).topic(C).topic(DENIED)
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
        entitlements.close();
    }

    @Test
    void webSocketStormsEndInTheStateASequentialReadingGivesWithAnswersInOrderAndNoDataOutOfTurn() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<WsClient> connected = new ArrayList<>();
        try (Feed feed = Feed.start()) {
            List<CompletableFuture<Storm>> storms = new ArrayList<>();
            for (int client = 0; client < 3; client++) {
                long seed = System.nanoTime() + client;
                String user = "storm-" + client;
                storms.add(CompletableFuture.supplyAsync(() -> webSocketStorm(user, seed), clients));
            }
            Map<String, Integer> expected = new HashMap<>();
            int data = 0;
            for (CompletableFuture<Storm> storm : storms) {
                Storm done = storm.get(90, TimeUnit.SECONDS);
                connected.add(done.client());
                data += done.dataSeen();
                done.reading().held.forEach(topic -> expected.merge(topic, 1, Integer::sum));
            }
            assertThat(data).as("data flowed during the storms, so their checks on data checked something").isPositive();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(subscriptionsByTopic()).isEqualTo(expected));
        } finally {
            connected.forEach(WsClient::close);
            clients.shutdownNow();
        }
    }

    /** A finished storm: the reading it was checked against, its client still connected, the data messages it saw. */
    private record Storm(Reading reading, WsClient client, int dataSeen) {
    }

    private static Storm webSocketStorm(String user, long seed) {
        Random random = new Random(seed);
        Reading reading = new Reading();
        String token = TestTokens.jwt(user, "tenant-order", "trader");
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + token));
        client.nextOfType("connection_established");
        Set<String> subscribed = new LinkedHashSet<>(reading.held);
        List<String> answers = new ArrayList<>();
        int data = 0;
        for (int sent = 0; sent < COMMANDS; sent += WINDOW) {
            for (int i = 0; i < WINDOW; i++) {
                client.send(randomCommand(random, reading, token));
            }
            client.send("{\"action\":\"ping\",\"data\":{}}");
            reading.ping();
            for (JsonNode message : client.collectUntil(m -> "pong".equals(m.path("type").asText()), Duration.ofSeconds(60))) {
                String type = message.path("type").asText();
                if (type.equals("data")) {
                    data++;
                    assertThat(subscribed).as("seed %d: data of %s while the acknowledgements so far say %s", seed,
                            message.path("topic").asText(), subscribed).contains(message.path("topic").asText());
                    continue;
                }
                answers.add(render(message));
                if (type.equals("subscribed")) {
                    message.path("topics").forEach(topic -> subscribed.add(topic.asText()));
                } else if (type.equals("unsubscribed")) {
                    message.path("topics").forEach(topic -> subscribed.remove(topic.asText()));
                }
            }
        }
        assertThat(answers).as("seed %d: the answers, in order", seed).containsExactlyElementsOf(reading.answers);
        assertThat(subscribed).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(reading.held);
        return new Storm(reading, client, data);
    }

    private static String randomCommand(Random random, Reading reading, String token) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            reading.refresh();
            return "{\"action\":\"refresh\",\"data\":{\"token\":\"" + token + "\"}}";
        }
        // a topic named twice in one command counts once (the parser keeps the first)
        Set<String> named = new LinkedHashSet<>();
        int count = kind <= 2 ? 2 : 1;
        for (int i = 0; i < count; i++) {
            named.add(TOPICS.get(random.nextInt(TOPICS.size())));
        }
        List<String> topics = List.copyOf(named);
        String list = String.join("\",\"", topics);
        if (kind % 2 == 0) {
            reading.subscribe(topics);
            return "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + list + "\"]}}";
        }
        reading.unsubscribe(topics);
        return "{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + list + "\"]}}";
    }

    @Test
    void sseControlCallsSentBackToBackTakeEffectInOrderAndTheLimitHolds() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String token = TestTokens.jwt("storm-sse", "tenant-order", "trader");
        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=" + token));
             RawHttp control = RawHttp.open(server.port())) {
            String connectionId = stream.nextMatching(e -> e.name().equals("connection_established"), SseClient.PATIENCE)
                    .json().path("connection_id").asText();
            Reading reading = new Reading();
            List<String> expected = new ArrayList<>();
            // every call is written before any answer is read: they arrive back to back on one keep-alive connection
            StringBuilder pipelined = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                String topic = TOPICS.get(random.nextInt(TOPICS.size()));
                boolean subscribe = random.nextBoolean();
                expected.add(subscribe ? reading.controlSubscribe(topic) : reading.controlUnsubscribe(topic));
                String body = "connection_id=" + connectionId + "&topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
                pipelined.append("POST /sse/").append(subscribe ? "subscribe" : "unsubscribe").append(" HTTP/1.1\r\n")
                        .append("Host: localhost\r\nAuthorization: Bearer ").append(token).append("\r\n")
                        .append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ").append(body.length())
                        .append("\r\n\r\n").append(body);
            }
            control.write(pipelined.toString());
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                RawHttp.Response response;
                try {
                    response = control.readResponse();
                } catch (java.io.IOException e) {
                    throw new AssertionError("after " + answers + " at " + i, e);
                }
                JsonNode body = JSON.readTree(response.body());
                answers.add(response.status() + " " + (response.status() == 200 ? "" : body.path("error").asText() + " ")
                        + body.path("details").path("topic").asText(body.path("topic").asText()));
            }

            assertThat(answers).as("seed %d: the answers, in order", seed).containsExactlyElementsOf(expected);
            Map<String, Integer> held = new HashMap<>();
            reading.held.forEach(topic -> held.put(topic, 1));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(subscriptionsByTopic()).isEqualTo(held));
        }
    }

    private static Map<String, Integer> subscriptionsByTopic() throws Exception {
        JsonNode topics = JSON.readTree(server.get("/stats").body()).path("subscriptions").path("topics");
        Map<String, Integer> counts = new HashMap<>();
        topics.fields().forEachRemaining(entry -> counts.put(entry.getKey(), entry.getValue().asInt()));
        return counts;
    }

    private static String render(JsonNode message) {
        String type = message.path("type").asText();
        return switch (type) {
            case "subscribed", "unsubscribed" -> type + " " + topics(message.path("topics"));
            case "error" -> "error " + message.path("error").asText() + " " + message.path("details").path("topic").asText();
            default -> type;
        };
    }

    private static List<String> topics(JsonNode array) {
        List<String> topics = new ArrayList<>();
        array.forEach(topic -> topics.add(topic.asText()));
        return topics;
    }

    /**
     * What a reader of the commands expects, taking them one at a time: the default topic first; a topic
     * not held is refused at the limit before anything else is asked; the denied topic is denied.
     */
    private static final class Reading {

        final Set<String> held = new LinkedHashSet<>(List.of(DEFAULT));
        final List<String> answers = new ArrayList<>();

        void subscribe(List<String> topics) {
            List<String> added = new ArrayList<>();
            for (String topic : topics) {
                String refusal = refusal(topic);
                if (refusal != null) {
                    answers.add("error " + refusal + " " + topic);
                } else {
                    held.add(topic);
                    added.add(topic);
                }
            }
            if (!added.isEmpty()) {
                answers.add("subscribed " + added);
            }
        }

        void unsubscribe(List<String> topics) {
            topics.forEach(held::remove);
            answers.add("unsubscribed " + topics);
        }

        void refresh() {
            answers.add("refreshed");
        }

        void ping() {
            answers.add("pong");
        }

        String controlSubscribe(String topic) {
            String refusal = refusal(topic);
            if (refusal != null) {
                return ErrorCode.valueOf(refusal).httpStatus() + " " + refusal + " " + topic;
            }
            held.add(topic);
            return "200 " + topic;
        }

        String controlUnsubscribe(String topic) {
            held.remove(topic);
            return "200 " + topic;
        }

        private String refusal(String topic) {
            if (!held.contains(topic) && held.size() >= LIMIT) {
                return ErrorCode.SUBSCRIPTION_LIMIT_REACHED.name();
            }
            return topic.equals(DENIED) ? ErrorCode.SUBSCRIPTION_DENIED.name() : null;
        }
    }

    /** Records on every storm topic while the storms run, bounded in count and time. */
    private static final class Feed implements AutoCloseable {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final CompletableFuture<Integer> done;

        private Feed() {
            // its own thread: a blocking loop on the common pool would starve whatever else uses that pool
            done = CompletableFuture.supplyAsync(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                int n = 0;
                while (running.get() && n < 20_000 && System.nanoTime() < deadline) {
                    TestKafka.publish(TOPICS.get(n % TOPICS.size()), null, "{\"seq\":" + n + "}");
                    n++;
                }
                return n;
            }, runnable -> Thread.ofPlatform().name("order-feed").daemon().start(runnable));
        }

        static Feed start() {
            return new Feed();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            done.get(30, TimeUnit.SECONDS);
        }
    }
}
