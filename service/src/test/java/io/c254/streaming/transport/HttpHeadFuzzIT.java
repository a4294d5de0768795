package io.c254.streaming.transport;

import io.c254.streaming.testing.FuzzedServer;
import io.c254.streaming.testing.FuzzRun;
import io.c254.streaming.testing.ProblemAnswer;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request heads mutated from valid ones, on a raw socket: every one is answered with a response, a refusal
 * in the README's error shape or what the request, still valid, asked for; never a server error, never
 * silence. Other clients, connection slots and buffers are checked after each test ({@link FuzzInvariants}).
 */
class HttpHeadFuzzIT {

    private static final String TOPIC = TestKafka.uniqueTopic("fuzz-http");
    @RegisterExtension
    static final FuzzedServer FUZZED = FuzzedServer.withTopic(TOPIC);
    /** A server that says nothing for this long has hung: every answer here is immediate. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

    @ParameterizedTest(name = "{0} is refused with {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "a request line longer than 16 KiB | 414 | URI_TOO_LONG",
            "headers larger than 16 KiB        | 431 | HEADERS_TOO_LARGE",
            "an unknown HTTP version           | 400 | INVALID_MESSAGE",
            "a NUL in a header name            | 400 | INVALID_MESSAGE",
            "two different Content-Lengths     | 400 | INVALID_MESSAGE",
            "a header line without a colon     | 400 | INVALID_MESSAGE",
            "an unknown path                   | 404 | NOT_FOUND",
            "a method the endpoint does not take | 405 | METHOD_NOT_ALLOWED"})
    void malformedHeadIsRefusedInTheErrorShape(String what, int status, String code) throws IOException {
        String head = switch (what.trim()) {
            case "a request line longer than 16 KiB" -> "GET /health?pad=" + "x".repeat(17 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n";
            case "headers larger than 16 KiB" -> "GET /health HTTP/1.1\r\nHost: a\r\nX-Pad: " + "x".repeat(17 * 1024) + "\r\n\r\n";
            case "an unknown HTTP version" -> "GET /health HTTX/1.1\r\nHost: a\r\n\r\n";
            case "a NUL in a header name" -> "GET /health HTTP/1.1\r\nHost: a\r\nX-\0: b\r\n\r\n";
            case "two different Content-Lengths" -> "POST /sse/subscribe HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}";
            case "a header line without a colon" -> "GET /health HTTP/1.1\r\nHost a\r\n\r\n";
            case "an unknown path" -> "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n";
            default -> "DELETE /health HTTP/1.1\r\nHost: a\r\n\r\n";
        };
        try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
            RawHttp.Response response = http.write(head.getBytes(StandardCharsets.ISO_8859_1)).readResponse();

            assertThat(response.status()).isEqualTo(status);
            assertThat(ProblemAnswer.assertProblem(response).path("error").asText()).isEqualTo(code);
        }
    }

    static Stream<Arguments> badPercentEncoding() {
        // a body that parses, so that the query is what is refused
        String body = "{\"connection_id\":\"conn-1\",\"topic\":\"" + TOPIC + "\"}";
        String json = "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        String form = "connection_id=c%zz&topic=abc";
        return Stream.of(
                Arguments.of("a WebSocket upgrade whose query is not percent-encoding",
                        RawHttp.webSocketUpgrade("/ws/stream?token=test-token&x=%zz")),
                Arguments.of("an SSE stream whose query ends inside an escape",
                        "GET /sse/stream?token=test-token&topics=a% HTTP/1.1\r\nHost: a\r\n\r\n"),
                Arguments.of("a subscribe whose query is not percent-encoding",
                        "POST /sse/subscribe?token=%G1 HTTP/1.1\r\nHost: a\r\n" + json),
                Arguments.of("an unsubscribe whose query is not percent-encoding",
                        "POST /sse/unsubscribe?token=%%41 HTTP/1.1\r\nHost: a\r\n" + json),
                Arguments.of("a subscribe whose form body is not percent-encoding",
                        "POST /sse/subscribe HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                + "Content-Length: " + form.length() + "\r\n\r\n" + form));
    }

    @ParameterizedTest(name = "{0} is refused with 400 INVALID_MESSAGE")
    @MethodSource("badPercentEncoding")
    void badPercentEncodingIsRefusedAsAnInvalidMessage(String what, String request) throws IOException {
        try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
            Optional<RawHttp.Response> answer = http.write(request.getBytes(StandardCharsets.ISO_8859_1)).readResponseOrEnd();

            assertThat(answer).as("an answer, not a closed connection").isPresent();
            assertThat(answer.get().status()).isEqualTo(400);
            assertThat(ProblemAnswer.assertProblem(answer.get()).path("error").asText()).isEqualTo("INVALID_MESSAGE");
        }
    }

    @ParameterizedTest(name = "an upgrade with {0} is refused with 400 INVALID_MESSAGE")
    @CsvSource(delimiter = '|', value = {
            "no Connection header       | Connection: Upgrade",
            "no Sec-WebSocket-Key       | Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="})
    void incompleteUpgradeIsRefusedInsteadOfLeftWithoutAnAnswer(String what, String removedHeader) throws IOException {
        String upgrade = RawHttp.webSocketUpgrade("/ws/stream?token=test-token").replace(removedHeader.trim() + "\r\n", "");
        try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
            RawHttp.Response response = http.write(upgrade).readResponse();

            assertThat(response.status()).isEqualTo(400);
            assertThat(ProblemAnswer.assertProblem(response).path("error").asText()).isEqualTo("INVALID_MESSAGE");
        }
    }

    @Test
    void pathThatIsNotPercentEncodingIsRefusedAsAnInvalidMessage() throws IOException {
        try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
            Optional<RawHttp.Response> answer = http.write("GET /health%zz HTTP/1.1\r\nHost: a\r\n\r\n").readResponseOrEnd();

            assertThat(answer).as("an answer, not a closed connection").isPresent();
            assertThat(ProblemAnswer.assertProblem(answer.get()).path("error").asText()).isEqualTo("INVALID_MESSAGE");
        }
    }

    @Test
    void mutatedHeadsAreAnsweredNeverWithAServerErrorOrSilence() {
        FuzzRun run = FuzzRun.of("HTTP heads", 300, Duration.ofSeconds(15));
        run.forEachCase((number, random) -> {
            byte[] head = MutatedHeads.next(random);
            String sent = MutatedHeads.printable(head);
            try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
                // a head the mutation cut short or left open ends here, so that the server has a whole one to answer
                http.write(concat(head, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                Optional<RawHttp.Response> answer;
                try {
                    answer = http.readResponseOrEnd();
                } catch (SocketTimeoutException silence) {
                    throw new AssertionError("no answer within " + ANSWER_TIMEOUT.toSeconds() + " s to " + sent);
                }

                assertThat(answer).as("an answer to %s", sent).isPresent();
                RawHttp.Response response = answer.get();
                if (response.status() == 426) {
                    // RFC 6455 section 4.4: an unknown Sec-WebSocket-Version is answered with the versions the server speaks
                    assertThat(response.header("Sec-WebSocket-Version")).as("426 to %s", sent).isEqualTo("13");
                } else if (response.status() >= 400) {
                    ProblemAnswer.assertProblem(response);
                } else {
                    assertThat(response.status()).as("status for %s", sent).isIn(101, 200, 204);
                }
            }
        });
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    /** Valid request heads of every endpoint, then one random change each. */
    static final class MutatedHeads {

        private static final List<String> VALID = List.of(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n",
                "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                RawHttp.webSocketUpgrade("/ws/stream?token=test-token"),
                "GET /sse/stream?token=test-token&topics=" + TOPIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n",
                "POST /sse/subscribe?token=test-token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 40\r\n\r\n{\"connection_id\":\"conn-1\",\"topic\":\"t\"}",
                "OPTIONS /sse/subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://app.example\r\n"
                        + "Access-Control-Request-Method: POST\r\n\r\n");
        /** HEAD is left out: its answer has a Content-Length and no body, which this reader would wait for. */
        private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                "CONNECT", "get", "G\tET", "GETT", "\u00e9T", "", "A".repeat(300), "M-SEARCH");
        private static final List<String> PATHS = List.of("/", "*", "", "/health/", "//health", "/health?", "/health#x",
                "/../../etc/passwd", "http://127.0.0.1/health", "/sse/stream?token=", "/ws/stream?token=test-token&token=x",
                "/health?" + "a=b&".repeat(2_000), "/\u00ff\u0080", "/sse/subscribe?x=%41%42", "/" + "x".repeat(17 * 1024));
        private static final List<String> VERSIONS = List.of("HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "http/1.1",
                "HTTP/1.1x", "HTTP/11", "HTTX/1.1", "", "HTTP/1.1 extra");
        private static final byte[] SPECIALS = {'\r', '\n', 0, ' ', ':', '\t', (byte) 0x80, (byte) 0xFF, (byte) 0xC3, '"', '%'};

        private MutatedHeads() {
        }

        static byte[] next(Random random) {
            String valid = FuzzRun.oneOf(random, VALID);
            byte[] bytes = valid.getBytes(StandardCharsets.ISO_8859_1);
            int headEnd = valid.indexOf("\r\n\r\n");
            return switch (random.nextInt(9)) {
                case 0 -> flipBits(bytes, headEnd, random);
                case 1 -> insertSpecials(bytes, headEnd, random);
                // at least a byte: blank lines before a request are skipped (RFC 9112 section 2.2), so nothing is owed for them
                case 2 -> Arrays.copyOf(bytes, 1 + random.nextInt(headEnd));
                case 3 -> latin1(duplicateHeader(valid, random));
                case 4 -> latin1(withHeader(valid, "X-Huge: " + "v".repeat(random.nextInt(24 * 1024))));
                case 5 -> latin1(replaceRequestLinePart(valid, 0, FuzzRun.oneOf(random, METHODS)));
                case 6 -> latin1(replaceRequestLinePart(valid, 1, FuzzRun.oneOf(random, PATHS)));
                case 7 -> latin1(replaceRequestLinePart(valid, 2, FuzzRun.oneOf(random, VERSIONS)));
                default -> randomBytes(random);
            };
        }

        private static byte[] flipBits(byte[] bytes, int headEnd, Random random) {
            byte[] flipped = bytes.clone();
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                flipped[random.nextInt(headEnd)] ^= (byte) (1 << random.nextInt(8));
            }
            return flipped;
        }

        private static byte[] insertSpecials(byte[] bytes, int headEnd, Random random) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int at = random.nextInt(headEnd + 1);
            out.write(bytes, 0, at);
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                out.write(SPECIALS[random.nextInt(SPECIALS.length)]);
            }
            out.write(bytes, at, bytes.length - at);
            return out.toByteArray();
        }

        private static String duplicateHeader(String valid, Random random) {
            String[] lines = valid.substring(0, valid.indexOf("\r\n\r\n")).split("\r\n");
            if (lines.length < 2) {
                return valid;
            }
            String header = lines[1 + random.nextInt(lines.length - 1)];
            return withHeader(valid, random.nextBoolean() ? header : header + "-other");
        }

        private static String withHeader(String valid, String header) {
            int firstLineEnd = valid.indexOf("\r\n");
            return valid.substring(0, firstLineEnd + 2) + header + "\r\n" + valid.substring(firstLineEnd + 2);
        }

        private static String replaceRequestLinePart(String valid, int part, String replacement) {
            int lineEnd = valid.indexOf("\r\n");
            String[] line = valid.substring(0, lineEnd).split(" ", 3);
            line[part] = replacement;
            return String.join(" ", line) + valid.substring(lineEnd);
        }

        private static byte[] randomBytes(Random random) {
            byte[] bytes = new byte[1 + random.nextInt(200)];
            random.nextBytes(bytes);
            return bytes;
        }

        private static byte[] latin1(String head) {
            return head.getBytes(StandardCharsets.ISO_8859_1);
        }


        /** The head as a failure message shows it: control and high bytes escaped, long runs cut. */
        static String printable(byte[] head) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < Math.min(head.length, 300); i++) {
                int b = head[i] & 0xFF;
                text.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b));
            }
            return text + (head.length > 300 ? "... (" + head.length + " bytes)" : "");
        }
    }
}
