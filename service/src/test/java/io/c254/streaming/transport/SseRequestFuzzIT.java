package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.FuzzedServer;
import io.c254.streaming.testing.FuzzRun;
import io.c254.streaming.testing.ProblemAnswer;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.c254.streaming.testing.FuzzRun.oneOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random `GET /sse/stream` query strings and random `POST /sse/subscribe` and `/sse/unsubscribe` bodies: a
 * stream opens or is refused with 400 naming the parameter that is wrong; a control call succeeds or is
 * refused in the error shape, and the stream it names stays open. Other clients, connection slots and
 * buffers are checked after each test ({@link FuzzInvariants}).
 */
class SseRequestFuzzIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most topics a stream's query may list (StreamRequest.MAX_TOPICS). */
    private static final int MAX_STREAM_TOPICS = 64;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    private static final String TOPIC = TestKafka.uniqueTopic("fuzz-sse");
    @RegisterExtension
    static final FuzzedServer FUZZED = FuzzedServer.withTopic(TOPIC);
    /** A cursor this server wrote, to resume from and to mutate. */
    private static String cursor;

    @BeforeAll
    static void start() {
        try (SseClient stream = SseClient.connect(FUZZED.server().http("/sse/stream?token=test-token&topics=" + TOPIC))) {
            cursor = stream.nextNamed("subscribed").id();
        }
    }

    @Test
    void randomQueriesOpenTheStreamOrAreRefusedNamingTheWrongParameter() {
        FuzzRun run = FuzzRun.of("SSE queries", 200, Duration.ofSeconds(12));
        run.forEachCase((number, random) -> {
            Query query = Query.random(random);
            try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
                RawHttp.Response response = http.write("GET /sse/stream?" + query.text() + " HTTP/1.1\r\nHost: a\r\n"
                        + "Accept: text/event-stream\r\n\r\n").readResponse();

                if (response.status() == 200) {
                    assertThat(query.surelyWrong()).as("%s opened a stream", query.text()).isEmpty();
                    assertThat(response.header("Content-Type")).startsWith("text/event-stream");
                    return;
                }
                JsonNode problem = ProblemAnswer.assertProblem(response);
                assertThat(response.status()).as("%s: %s", query.text(), problem).isEqualTo(400);
                assertThat(problem.path("error").asText()).isIn("INVALID_MESSAGE", "INVALID_FILTER", "INVALID_CURSOR");
                assertThat(query.wrong().stream().anyMatch(name -> problem.path("message").asText().contains("'" + name + "'")))
                        .as("%s names a parameter of %s that may be wrong (%s)", problem, query.text(), query.wrong()).isTrue();
            }
        });
    }

    @Test
    void randomControlBodiesAreAnsweredInTheErrorShapeAndTheStreamStaysOpen() throws IOException {
        try (SseClient stream = SseClient.connect(FUZZED.server().http("/sse/stream?token=test-token"))) {
            String connectionId = stream.nextNamed("connection_established").json().path("connection_id").asText();
            FuzzRun run = FuzzRun.of("SSE control bodies", 200, Duration.ofSeconds(12));
            run.forEachCase((number, random) -> {
                ControlCall call = ControlCall.random(random, connectionId);
                try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
                    RawHttp.Response response = http.write(call.bytes()).readResponse();

                    if (response.status() == 200) {
                        assertThat(JSON.readTree(response.body()).path("success").asBoolean()).as("%s", call).isTrue();
                    } else {
                        JsonNode problem = ProblemAnswer.assertProblem(response);
                        // the control calls' own refusals say "success": false; the 413 of an oversized body is every endpoint's
                        assertThat(problem.path("success").asBoolean(false)).as("%s: %s", call, problem).isFalse();
                    }
                }
            });

            // the stream the calls named is still there and still takes commands
            String subscribe = "{\"connection_id\":\"" + connectionId + "\",\"topic\":\"" + TOPIC + "\"}";
            try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
                RawHttp.Response response = http.write(ControlCall.post("/sse/subscribe?token=test-token", "application/json",
                        subscribe.getBytes(StandardCharsets.UTF_8))).readResponse();
                assertThat(response.status()).as(response.body()).isEqualTo(200);
            }
        }
    }

    /**
     * A query string, the parameters in it that make it wrong for certain, and those that may (a mutated cursor
     * or filter can still be a valid one).
     */
    record Query(String text, Set<String> surelyWrong, Set<String> wrong) {

        static Query random(Random random) {
            List<String> parameters = new ArrayList<>(List.of("token=test-token"));
            Set<String> surelyWrong = new HashSet<>();
            Set<String> wrong = new HashSet<>();
            if (random.nextBoolean()) {
                parameters.add("topics=" + encode(topics(random, surelyWrong)));
            }
            if (random.nextBoolean()) {
                parameters.add("filters=" + encode(filters(random, surelyWrong, wrong)));
            }
            if (random.nextBoolean()) {
                parameters.add("max_rate=" + encode(maxRate(random, surelyWrong)));
            }
            if (random.nextBoolean()) {
                parameters.add("lastEventId=" + encode(cursorText(random, wrong)));
            }
            if (random.nextInt(4) == 0) {
                parameters.add(oneOf(random, List.of("x=1", "token2=abc", "%41=%42", "=", "&", "topics", "a=b=c")));
            }
            java.util.Collections.shuffle(parameters, random);
            wrong.addAll(surelyWrong);
            return new Query(String.join("&", parameters), surelyWrong, wrong);
        }

        private static String topics(Random random, Set<String> wrong) {
            List<String> names = new ArrayList<>();
            if (random.nextInt(10) == 0) {
                for (int i = 0; i <= MAX_STREAM_TOPICS; i++) {
                    names.add("t" + i);
                }
                wrong.add("topics");
            }
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                names.add(oneOf(random, List.of(TOPIC, TopicRegistry.LATEST_PRICES, "no.such.topic", "x" + i, "", " " + TOPIC + " ")));
            }
            if (random.nextInt(4) == 0) {
                names.add(oneOf(random, List.of("a b", "x/y", "\u00e9t\u00e9", "t".repeat(250), "{}", "a\u0000b")));
                wrong.add("topics");
            }
            return String.join(oneOf(random, List.of(",", ", ")), names);
        }

        private static String filters(Random random, Set<String> surelyWrong, Set<String> wrong) {
            String valid = oneOf(random, List.of("{\"commodity\":\"oil\"}", "{\"region\":[\"a\",\"b\"],\"price\":75.5}", "{}", "",
                    "{\"flag\":true}"));
            return switch (random.nextInt(4)) {
                case 0 -> valid;
                case 1 -> {
                    surelyWrong.add("filters");
                    yield oneOf(random, List.of("[]", "\"oil\"", "{\"a\":{\"b\":1}}", "{", "nul", manyFields(17)));
                }
                default -> {
                    String mutated = mutate(valid, random);
                    if (!mutated.equals(valid)) {
                        wrong.add("filters");
                    }
                    yield mutated;
                }
            };
        }

        private static String maxRate(Random random, Set<String> wrong) {
            String rate = random.nextBoolean() ? Integer.toString(random.nextInt(10_010) - 5)
                    : oneOf(random, List.of("abc", "", " 5", "1e3", "5.0", "99999999999", "-0", "0x10", "\u0665"));
            try {
                int value = Integer.parseInt(rate.trim());
                if (value < 1 || value > 10_000) {
                    wrong.add("max_rate");
                }
            } catch (NumberFormatException notANumber) {
                wrong.add("max_rate");
            }
            return rate;
        }

        private static String cursorText(Random random, Set<String> wrong) {
            String text = switch (random.nextInt(4)) {
                case 0 -> cursor;
                case 1 -> mutate(cursor, random);
                case 2 -> "A".repeat(random.nextInt(5_000));
                default -> oneOf(random, List.of("", "not-a-cursor", "AAAA", "====", "\u00ff"));
            };
            if (!text.equals(cursor) && !text.isBlank()) {
                wrong.add("lastEventId");
            }
            return text;
        }

        private static String manyFields(int count) {
            StringBuilder json = new StringBuilder("{");
            for (int i = 0; i < count; i++) {
                json.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
            }
            return json.append('}').toString();
        }
    }

    /** One control call: its path and query, content type, token and body, as bytes on the wire. */
    record ControlCall(String description, byte[] bytes) {

        static ControlCall random(Random random, String connectionId) {
            String path = oneOf(random, List.of("/sse/subscribe", "/sse/unsubscribe"));
            String token = oneOf(random, List.of("?token=test-token", "", "?token=" + TestTokens.jwt("someone-else", "tenant-2", "viewer"),
                    "?token=test-token&token=other"));
            String contentType = oneOf(random, List.of("application/json", "application/json; charset=utf-8",
                    "application/x-www-form-urlencoded", "text/plain", ""));
            String body = contentType.startsWith("application/json") || random.nextInt(4) == 0
                    ? jsonBody(random, connectionId) : formBody(random, connectionId);
            if (random.nextInt(3) == 0) {
                body = mutate(body, random);
            }
            if (random.nextInt(30) == 0) {
                body = body + " ".repeat(70_000);
            }
            return new ControlCall(path + token + " [" + contentType + "] " + abbreviate(body),
                    post(path + token, contentType, body.getBytes(StandardCharsets.UTF_8)));
        }

        static byte[] post(String pathAndQuery, String contentType, byte[] body) {
            String head = "POST " + pathAndQuery + " HTTP/1.1\r\nHost: a\r\n"
                    + (contentType.isEmpty() ? "" : "Content-Type: " + contentType + "\r\n")
                    + "Content-Length: " + body.length + "\r\n\r\n";
            byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
            byte[] bytes = java.util.Arrays.copyOf(headBytes, headBytes.length + body.length);
            System.arraycopy(body, 0, bytes, headBytes.length, body.length);
            return bytes;
        }

        private static String jsonBody(Random random, String connectionId) {
            List<String> fields = new ArrayList<>();
            if (random.nextInt(5) > 0) {
                fields.add("\"connection_id\":" + oneOf(random, List.of(quoted(connectionId), quoted(connectionId),
                        "\"conn-00000000000000000000000000000000\"", "\"\"", "5", "null", "[]")));
            }
            if (random.nextInt(5) > 0) {
                fields.add("\"topic\":" + oneOf(random, List.of(quoted(TOPIC), quoted(TOPIC), quoted(TopicRegistry.LATEST_PRICES),
                        "\"no.such.topic\"", "\"bad name\"", "7", "\"\"", "{}")));
            }
            if (random.nextBoolean()) {
                fields.add("\"filters\":" + oneOf(random, List.of("{\"commodity\":\"oil\"}", "\"{\\\"commodity\\\":\\\"oil\\\"}\"",
                        "[]", "{\"a\":{\"b\":1}}", "\"{\"", "null", "{\"a\":[]}")));
            }
            if (random.nextInt(6) == 0) {
                fields.add("\"extra\":" + oneOf(random, List.of("1", "\"x\"", "[1,2]")));
            }
            java.util.Collections.shuffle(fields, random);
            return oneOf(random, List.of("{" + String.join(",", fields) + "}", "[" + String.join(",", fields) + "]",
                    "{" + String.join(",", fields) + "} trailing", "{" + String.join(",", fields) + "}"));
        }

        private static String formBody(Random random, String connectionId) {
            List<String> fields = new ArrayList<>();
            if (random.nextInt(5) > 0) {
                fields.add("connection_id=" + encode(oneOf(random, List.of(connectionId, connectionId, "conn-x", ""))));
            }
            if (random.nextInt(5) > 0) {
                fields.add("topic=" + encode(oneOf(random, List.of(TOPIC, TOPIC, "no.such.topic", "a b", ""))));
            }
            if (random.nextBoolean()) {
                fields.add("filters=" + encode(oneOf(random, List.of("{\"commodity\":\"oil\"}", "[]", "{", "{\"a\":{\"b\":1}}"))));
            }
            if (random.nextInt(5) == 0 && !fields.isEmpty()) {
                fields.add(oneOf(random, fields));
            }
            if (random.nextInt(8) == 0) {
                fields.add(oneOf(random, List.of("%zz=1", "topic=%", "x=%E2%82")));
            }
            java.util.Collections.shuffle(fields, random);
            return String.join("&", fields);
        }

        private static String quoted(String text) {
            return "\"" + text + "\"";
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** Up to three characters changed, dropped or added, or the text cut short. */
    static String mutate(String text, Random random) {
        StringBuilder mutated = new StringBuilder(text);
        if (random.nextInt(4) == 0 && !text.isEmpty()) {
            return text.substring(0, random.nextInt(text.length()));
        }
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            int at = random.nextInt(mutated.length() + 1);
            char c = oneOf(random, List.of('{', '}', '"', ',', ':', '[', '\\', 'x', '0', ' ', '\u00e9', '%'));
            switch (random.nextInt(3)) {
                case 0 -> mutated.insert(at, c);
                case 1 -> {
                    if (at < mutated.length()) {
                        mutated.setCharAt(at, c);
                    }
                }
                default -> {
                    if (at < mutated.length()) {
                        mutated.deleteCharAt(at);
                    }
                }
            }
        }
        return mutated.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "... (" + text.length() + " characters)" : text;
    }
}
