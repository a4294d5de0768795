package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import io.c254.streaming.testing.FuzzedServer;
import io.c254.streaming.testing.FuzzRun;
import io.c254.streaming.testing.ProblemAnswer;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;

import static io.c254.streaming.testing.FuzzRun.oneOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens mutated from a valid one (bytes changed in its header, claims or signature, `alg` none or another
 * algorithm, parts missing or added, huge, not ASCII), in the query or a Bearer header of a WebSocket
 * upgrade or an SSE stream: the stream opens only for a token that still says exactly what the signed one
 * said; any other gets 401 UNAUTHORIZED with a message about the token. Other clients, connection slots and
 * buffers are checked after each test ({@link FuzzInvariants}).
 */
class TokenFuzzIT {

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    private static final String TOPIC = TestKafka.uniqueTopic("fuzz-jwt");
    @RegisterExtension
    static final FuzzedServer FUZZED = FuzzedServer.withTopic(TOPIC);
    private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

    @Test
    void mutatedTokensOpenAStreamOnlyWhenTheySayWhatTheSignedOneSaid() {
        String valid = TestTokens.jwt("fuzz-user", "tenant-f", "viewer");
        FuzzRun run = FuzzRun.of("JWTs", 200, Duration.ofSeconds(10));
        run.forEachCase((number, random) -> {
            String token = MutatedTokens.next(valid, random);
            Placement placement = oneOf(random, List.of(Placement.values()));
            try (RawHttp http = RawHttp.open(FUZZED.server().port()).readTimeout(ANSWER_TIMEOUT)) {
                RawHttp.Response response = http.write(placement.request(token).getBytes(StandardCharsets.ISO_8859_1)).readResponse();

                String what = placement + " " + abbreviate(token);
                try {
                    if (MutatedTokens.sameAsSigned(valid, token)) {
                        assertThat(response.status()).as("%s: %s", what, response.body()).isEqualTo(placement.opened());
                    } else if (response.status() == 400 && placement.inHeader() && !token.matches("[\\x21-\\x7E ]*")) {
                        // a control or non-ASCII character in a header value is refused by the HTTP codec, before the token is read
                        assertThat(ProblemAnswer.assertProblem(response).path("error").asText()).as(what).isEqualTo("INVALID_MESSAGE");
                    } else if (response.status() == 414 || response.status() == 431) {
                        assertThat(token.length()).as("only a huge token passes the size limits: %s", what).isGreaterThan(10_000);
                        ProblemAnswer.assertProblem(response);
                    } else {
                        JsonNode problem = ProblemAnswer.assertProblem(response);
                        assertThat(problem.path("error").asText()).as("%s: %s", what, problem).isEqualTo("UNAUTHORIZED");
                        assertThat(problem.path("message").asText()).as("%s: the message is about the token", what).containsIgnoringCase("token");
                    }
                } catch (AssertionError wrong) {
                    throw new AssertionError(what + ": " + wrong.getMessage(), wrong);
                }
            }
        });
    }

    /** Where the token goes: the query or a Bearer header, of a WebSocket upgrade or an SSE stream. */
    enum Placement {
        WEBSOCKET_QUERY, WEBSOCKET_BEARER, SSE_QUERY, SSE_BEARER;

        String request(String token) {
            boolean inQuery = this == WEBSOCKET_QUERY || this == SSE_QUERY;
            String path = (this == WEBSOCKET_QUERY || this == WEBSOCKET_BEARER ? "/ws/stream" : "/sse/stream")
                    + (inQuery ? "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) : "");
            // header values are bytes: the token's characters as Latin-1, control characters kept out of the head's framing
            String bearer = inQuery ? "" : "Authorization: Bearer " + token.replaceAll("[\r\n]", "_") + "\r\n";
            if (this == WEBSOCKET_QUERY || this == WEBSOCKET_BEARER) {
                return RawHttp.webSocketUpgrade(path).replace("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\n" + bearer);
            }
            return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + bearer + "\r\n";
        }

        boolean inHeader() {
            return this == WEBSOCKET_BEARER || this == SSE_BEARER;
        }

        int opened() {
            return this == WEBSOCKET_QUERY || this == WEBSOCKET_BEARER ? 101 : 200;
        }
    }

    /** Mutations of a signed HS256 token, each a way a forged, damaged or hostile token may look. */
    static final class MutatedTokens {

        private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        private MutatedTokens() {
        }

        static String next(String valid, Random random) {
            String[] parts = valid.split("\\.");
            return switch (random.nextInt(12)) {
                case 0 -> valid;
                case 1 -> replaceCharIn(valid, parts, random.nextInt(3), random);
                case 2 -> flipBit(valid, random);
                case 3 -> encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + oneOf(random, List.of("", parts[2]));
                case 4 -> encode("{\"alg\":\"" + oneOf(random, List.of("HS512", "RS256", "ES256", "PS256", "none", "NONE", "", "HS256 "))
                        + "\"}") + "." + parts[1] + "." + parts[2];
                case 5 -> String.join(".", Arrays.copyOf(parts, random.nextInt(3)));
                case 6 -> valid + oneOf(random, List.of(".", ".x", "." + parts[2], ".."));
                case 7 -> oneOf(random, List.of("", " ", "Bearer", "null", "undefined", "x.y.z", "..", "a.b",
                        "\u00e9.\u00e9.\u00e9", valid.toLowerCase(), valid.replace('-', '+').replace('_', '/') + "=="));
                case 8 -> valid + "A".repeat(random.nextInt(20_000));
                case 9 -> parts[0] + "." + parts[1] + "." + parts[2].substring(0, random.nextInt(parts[2].length()));
                case 10 -> signed(random);
                default -> parts[0] + "." + encode(mutateJson(new String(BASE64URL.decode(parts[1]), StandardCharsets.UTF_8), random))
                        + "." + parts[2];
            };
        }

        /** Tokens signed with the right key whose claims are wrong: the message must say which. */
        private static String signed(Random random) {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
            switch (random.nextInt(4)) {
                case 0 -> claims.subject("u").claim("tenant_id", "t").expirationTime(Date.from(Instant.now().minusSeconds(3_600)));
                case 1 -> claims.claim("tenant_id", "t").expirationTime(Date.from(Instant.now().plusSeconds(3_600)));
                case 2 -> claims.subject("u").expirationTime(Date.from(Instant.now().plusSeconds(3_600)));
                default -> claims.subject("u").claim("tenant_id", "t");
            }
            return TestTokens.sign(claims.build());
        }

        private static String replaceCharIn(String valid, String[] parts, int part, Random random) {
            int start = 0;
            for (int i = 0; i < part; i++) {
                start += parts[i].length() + 1;
            }
            int at = start + random.nextInt(parts[part].length());
            return valid.substring(0, at) + ALPHABET.charAt(random.nextInt(ALPHABET.length())) + valid.substring(at + 1);
        }

        private static String flipBit(String valid, Random random) {
            char[] chars = valid.toCharArray();
            int at = random.nextInt(chars.length);
            chars[at] ^= (char) (1 << random.nextInt(7));
            return new String(chars);
        }

        private static String mutateJson(String json, Random random) {
            return oneOf(random, List.of(json.replace("\"viewer\"", "\"admin\""), json.replace("fuzz-user", "someone-else"),
                    json.replace("tenant-f", "tenant-g"), json.replaceFirst("\"exp\":[0-9]+", "\"exp\":99999999999"),
                    json.substring(0, random.nextInt(json.length())), "[]", "null", json + " "));
        }

        private static String encode(String json) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * True when the token is the signed one: the same header and claims, character for character (they are
         * what the signature covers), and a signature of the same bytes. The signature's text may differ where
         * the encoding leaves room: the unused low bits of its last character, and, as nimbus-jose-jwt reads
         * it, the standard base64 alphabet and padding instead of base64url's (RFC 7515 section 2 asks for the
         * latter; a token spelt so carries the very same signature, so accepting it forges nothing).
         */
        static boolean sameAsSigned(String valid, String token) {
            String[] expected = valid.split("\\.");
            String[] actual = token.split("\\.", -1);
            if (actual.length != 3 || !actual[0].equals(expected[0]) || !actual[1].equals(expected[1])) {
                return false;
            }
            String signature = actual[2].replace('+', '-').replace('/', '_').replaceFirst("=+$", "");
            try {
                return Arrays.equals(BASE64URL.decode(expected[2]), BASE64URL.decode(signature));
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
        }
    }

    private static String abbreviate(String token) {
        return token.length() > 400 ? token.substring(0, 400) + "... (" + token.length() + " characters)" : token;
    }
}
