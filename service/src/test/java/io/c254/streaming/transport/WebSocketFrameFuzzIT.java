package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.testing.ClientFrame;
import io.c254.streaming.testing.FuzzedServer;
import io.c254.streaming.testing.FuzzRun;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.RawWebSocket;
import io.c254.streaming.testing.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static io.c254.streaming.testing.ClientFrame.BINARY;
import static io.c254.streaming.testing.ClientFrame.CLOSE;
import static io.c254.streaming.testing.ClientFrame.CONTINUATION;
import static io.c254.streaming.testing.ClientFrame.PING;
import static io.c254.streaming.testing.ClientFrame.PONG;
import static io.c254.streaming.testing.ClientFrame.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebSocket frames no real client sends, on an upgraded connection: each named violation of RFC 6455 ends
 * the connection with its close code (section 7.4.1), then random frames and random bytes do too, or
 * get an `error` message, and nothing else. Other clients, connection slots and buffers are checked after
 * each test ({@link FuzzInvariants}).
 */
class WebSocketFrameFuzzIT {

    private static final int PROTOCOL_ERROR = 1002;
    private static final int INVALID_PAYLOAD = 1007;
    private static final int MESSAGE_TOO_BIG = 1009;
    /** ACCESS_MAX_FRAME_BYTES, set here to its default so that the test says what it relies on. */
    private static final int MAX_FRAME_BYTES = 65_536;
    private static final String PING_COMMAND = "{\"action\":\"ping\",\"data\":{}}";

    private static final String TOPIC = TestKafka.uniqueTopic("fuzz-ws");
    @RegisterExtension
    static final FuzzedServer FUZZED = FuzzedServer.withTopic(TOPIC).env("ACCESS_MAX_FRAME_BYTES", Integer.toString(MAX_FRAME_BYTES));

    static Stream<Arguments> protocolViolations() {
        byte[] text = "{\"action\":".getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                Arguments.of("a reserved data opcode (0x3)", List.of(ClientFrame.of(0x3, text))),
                Arguments.of("a reserved control opcode (0xB)", List.of(ClientFrame.of(0xB, new byte[0]))),
                Arguments.of("RSV1 set without an extension", List.of(ClientFrame.text(PING_COMMAND).withRsv(0b100))),
                Arguments.of("RSV2 set without an extension", List.of(ClientFrame.text(PING_COMMAND).withRsv(0b010))),
                Arguments.of("RSV3 set without an extension", List.of(ClientFrame.text(PING_COMMAND).withRsv(0b001))),
                Arguments.of("a continuation without a start", List.of(ClientFrame.of(CONTINUATION, text))),
                Arguments.of("a new text frame inside a fragmented message",
                        List.of(ClientFrame.of(TEXT, text).notFinal(), ClientFrame.text(PING_COMMAND))),
                Arguments.of("a new binary frame inside a fragmented message",
                        List.of(ClientFrame.of(TEXT, text).notFinal(), ClientFrame.of(BINARY, new byte[]{1}))),
                Arguments.of("a fragmented ping", List.of(ClientFrame.of(PING, new byte[]{1}).notFinal())),
                Arguments.of("a ping of 126 bytes", List.of(ClientFrame.of(PING, new byte[126]))),
                Arguments.of("a pong of 200 bytes", List.of(ClientFrame.of(PONG, new byte[200]))),
                Arguments.of("an unmasked text frame", List.of(ClientFrame.text(PING_COMMAND).unmasked())),
                Arguments.of("an unmasked ping", List.of(ClientFrame.of(PING, new byte[]{1}).unmasked())),
                Arguments.of("a length of 5 in 2 bytes (not the shortest form)", List.of(ClientFrame.of(TEXT, "{\"a\":".getBytes()).lengthIn(2))),
                Arguments.of("a length of 200 in 8 bytes (not the shortest form)", List.of(ClientFrame.of(BINARY, new byte[200]).lengthIn(8))),
                Arguments.of("a close frame of 1 byte", List.of(ClientFrame.of(CLOSE, new byte[]{3}))),
                Arguments.of("a close frame with status 1005 (never sent on the wire)", List.of(ClientFrame.close(1005))),
                Arguments.of("a close frame with status 999", List.of(ClientFrame.close(999))));
    }

    @ParameterizedTest(name = "{0} closes with 1002")
    @MethodSource("protocolViolations")
    void protocolViolationClosesWithProtocolError(String violation, List<ClientFrame> frames) throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            RawWebSocket.Ending ending = socket.send(frames.toArray(ClientFrame[]::new)).readToEnd();

            assertThat(ending.closeCode()).as(violation).isEqualTo(PROTOCOL_ERROR);
            assertThat(ending.connectionClosed()).as("the server ends the connection after its close frame").isTrue();
        }
    }

    static Stream<Arguments> invalidUtf8() {
        byte[] truncated = {'{', '"', 'a', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}'};
        byte[] overlong = {'"', (byte) 0xC0, (byte) 0xAF, '"'};
        byte[] surrogate = {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'};
        byte[] beyondUnicode = {'"', (byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80, '"'};
        // a euro sign (E2 82 AC) cut after its first byte and followed by a new character
        byte[] start = {'{', '"', 'x', '"', ':', '"', (byte) 0xE2};
        byte[] end = {'A', '"', '}'};
        return Stream.of(
                Arguments.of("a truncated sequence", List.of(ClientFrame.of(TEXT, truncated))),
                Arguments.of("an overlong encoding", List.of(ClientFrame.of(TEXT, overlong))),
                Arguments.of("a UTF-16 surrogate", List.of(ClientFrame.of(TEXT, surrogate))),
                Arguments.of("a byte beyond Unicode", List.of(ClientFrame.of(TEXT, beyondUnicode))),
                Arguments.of("a sequence broken across fragments",
                        List.of(ClientFrame.of(TEXT, start).notFinal(), ClientFrame.of(CONTINUATION, end))),
                Arguments.of("a close frame whose reason is not UTF-8",
                        List.of(ClientFrame.of(CLOSE, new byte[]{0x03, (byte) 0xE8, (byte) 0xFF, (byte) 0xFE}))));
    }

    @ParameterizedTest(name = "{0} closes with 1007")
    @MethodSource("invalidUtf8")
    void textThatIsNotUtf8ClosesWithInvalidPayload(String what, List<ClientFrame> frames) throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            RawWebSocket.Ending ending = socket.send(frames.toArray(ClientFrame[]::new)).readToEnd();

            assertThat(ending.closeCode()).as(what).isEqualTo(INVALID_PAYLOAD);
            assertThat(ending.messages()).as("no error message first: the text is refused whole").isEmpty();
            assertThat(ending.connectionClosed()).isTrue();
        }
    }

    @Test
    void lengthDeclaredOverTheFrameLimitClosesWithMessageTooBigBeforeThePayloadIsSent() throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            RawWebSocket.Ending ending = socket.send(ClientFrame.text("{}").declaring(MAX_FRAME_BYTES + 1).header()).readToEnd();

            assertThat(ending.closeCode()).isEqualTo(MESSAGE_TOO_BIG);
            assertThat(ending.connectionClosed()).isTrue();
        }
    }

    @Test
    void lengthOfTwoToTheSixtyThreeClosesWithMessageTooBig() throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            RawWebSocket.Ending ending = socket.send(ClientFrame.text("{}").declaring(Long.MAX_VALUE).header()).readToEnd();

            assertThat(ending.closeCode()).isEqualTo(MESSAGE_TOO_BIG);
        }
    }

    @Test
    void fragmentsAddingUpToMoreThanTheLimitCloseWithMessageTooBig() throws IOException {
        byte[] half = new byte[MAX_FRAME_BYTES / 2 + 1];
        Arrays.fill(half, (byte) ' ');
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            RawWebSocket.Ending ending = socket.send(ClientFrame.of(TEXT, half).notFinal(), ClientFrame.of(CONTINUATION, half)).readToEnd();

            assertThat(ending.closeCode()).isEqualTo(MESSAGE_TOO_BIG);
        }
    }

    @Test
    void pingInsideAFragmentedMessageIsAnsweredAndTheMessageStillWorks() throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            socket.send(ClientFrame.text("{\"action\":\"pi").notFinal(),
                    ClientFrame.of(PING, "still there?".getBytes(StandardCharsets.UTF_8)),
                    ClientFrame.of(CONTINUATION, "ng\",\"data\":{}}".getBytes(StandardCharsets.UTF_8)));

            RawHttp.Frame pong = socket.next();
            assertThat(pong.opcode()).isEqualTo(PONG);
            assertThat(pong.text()).as("a pong carries the ping's payload (RFC 6455 section 5.5.3)").isEqualTo("still there?");
            assertThat(socket.nextMessage().path("type").asText()).as("the message around the ping").isEqualTo("pong");
        }
    }

    @Test
    void lengthShorterThanThePayloadReadsTheRestAsTheNextFrame() throws IOException {
        ClientFrame frame = ClientFrame.text(PING_COMMAND);
        // the payload goes on with two bytes the header does not count: 0x78 read as a header has all RSV bits set
        byte[] leftover = {0x78, 0x00};
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            socket.send(concat(frame.bytes(), leftover));

            assertThat(socket.nextMessage().path("type").asText()).isEqualTo("pong");
            RawWebSocket.Ending ending = socket.readToEnd();
            assertThat(ending.closeCode()).isEqualTo(PROTOCOL_ERROR);
        }
    }

    @Test
    void lengthLongerThanWhatWasSentWaitsForTheRest() throws IOException {
        byte[] frame = ClientFrame.text(PING_COMMAND).bytes();
        int headerLength = ClientFrame.text(PING_COMMAND).header().length;
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            // the header and five bytes of the payload, then the rest: one command
            socket.send(Arrays.copyOfRange(frame, 0, headerLength + 5));
            socket.send(Arrays.copyOfRange(frame, headerLength + 5, frame.length));

            assertThat(socket.nextMessage().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void closeFromTheClientIsEchoedAndTheConnectionEnds() throws IOException {
        try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
            RawWebSocket.Ending ending = socket.send(ClientFrame.close(1000)).readToEnd();

            assertThat(ending.closeCode()).isEqualTo(1000);
            assertThat(ending.connectionClosed()).isTrue();
        }
    }

    @Test
    void randomFramesAndBytesEndWithAProtocolCloseCodeOrAnErrorMessage() {
        FuzzRun run = FuzzRun.of("WebSocket frames", 300, Duration.ofSeconds(15));
        run.forEachCase((number, random) -> {
            byte[] sent = RandomFrames.mutatedStream(random);
            try (RawWebSocket socket = RawWebSocket.open(FUZZED.server().port(), "test-token")) {
                socket.send(sent);
                // whatever state the mutation left the decoder in, this ends it: it completes any frame still waiting
                // for its payload (64 KiB at most, the frame limit), then two zero bytes are an unmasked frame
                socket.sendUnlessGone(new byte[MAX_FRAME_BYTES + 16]);
                RawWebSocket.Ending ending = socket.readToEnd();

                Set<Integer> allowed = new HashSet<>(List.of(PROTOCOL_ERROR, INVALID_PAYLOAD, MESSAGE_TOO_BIG));
                allowed.addAll(RandomFrames.closeCodesAClientFrameCouldCarry(sent));
                assertThat(ending.closeCode()).as("close code after %s", RandomFrames.hex(sent)).isIn(allowed);
                assertThat(ending.connectionClosed()).as("connection ended after the close frame").isTrue();
                assertThat(ending.before()).as("only messages, pongs and pings before the close")
                        .allSatisfy(frame -> assertThat(frame.opcode()).isIn(TEXT, PONG, PING));
                for (JsonNode message : ending.messages()) {
                    assertThat(message.path("type").asText()).as("message %s", message).isIn("error", "pong", "subscribed", "unsubscribed", "data");
                    if (message.path("type").asText().equals("error")) {
                        assertThat(message.path("error").asText()).isIn(catalogCodes()).isNotEqualTo("INTERNAL_ERROR");
                        assertThat(message.path("message").asText()).isNotBlank();
                    }
                }
            }
        });
    }

    private static List<String> catalogCodes() {
        return Arrays.stream(ErrorCode.values()).map(Enum::name).toList();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Random client frames, then random damage to their bytes. */
    static final class RandomFrames {

        private static final List<String> COMMANDS = List.of(PING_COMMAND,
                "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TOPIC + "\"]}}",
                "{\"action\":\"unsubscribe\",\"data\":{\"topics\":[\"" + TOPIC + "\"]}}",
                "{\"action\":\"refresh\",\"data\":{\"token\":\"x\"}}",
                "{\"action\":", "[]", "null", "{\"action\":\"dance\"}");

        private RandomFrames() {
        }

        /** One to four frames, some broken on purpose, then (sometimes) bytes flipped, inserted or cut. */
        static byte[] mutatedStream(Random random) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int frames = 1 + random.nextInt(4);
            for (int i = 0; i < frames; i++) {
                out.writeBytes(frame(random).bytes());
            }
            byte[] bytes = out.toByteArray();
            return switch (random.nextInt(4)) {
                case 0 -> bytes;
                case 1 -> flipBytes(bytes, random);
                case 2 -> Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                default -> insertRandomBytes(bytes, random);
            };
        }

        private static ClientFrame frame(Random random) {
            ClientFrame frame = switch (random.nextInt(5)) {
                case 0 -> ClientFrame.text(FuzzRun.oneOf(random, COMMANDS));
                case 1 -> ClientFrame.of(randomOpcode(random), randomPayload(random));
                case 2 -> ClientFrame.of(FuzzRun.oneOf(random, List.of(PING, PONG)), randomPayload(random, 140));
                case 3 -> ClientFrame.of(TEXT, randomPayload(random));
                default -> ClientFrame.of(FuzzRun.oneOf(random, List.of(TEXT, CONTINUATION, BINARY)), randomPayload(random)).notFinal();
            };
            frame = frame.maskedWith(random.nextInt());
            if (random.nextInt(8) == 0) {
                frame = frame.withRsv(random.nextInt(8));
            }
            if (random.nextInt(8) == 0) {
                frame = frame.unmasked();
            }
            if (random.nextInt(8) == 0) {
                frame = frame.notFinal();
            }
            if (random.nextInt(6) == 0) {
                frame = frame.declaring(lyingLength(random, frame.payload().length));
            }
            if (random.nextInt(10) == 0) {
                frame = frame.lengthIn(FuzzRun.oneOf(random, List.of(2, 8)));
            }
            return frame;
        }

        /** Any opcode but close: a close frame ends the case on the client's terms (tested on its own above). */
        private static int randomOpcode(Random random) {
            int opcode = random.nextInt(16);
            return opcode == CLOSE ? PING : opcode;
        }

        private static byte[] randomPayload(Random random) {
            return randomPayload(random, random.nextInt(10) == 0 ? 2_000 : 64);
        }

        private static byte[] randomPayload(Random random, int maxLength) {
            byte[] payload = new byte[random.nextInt(maxLength + 1)];
            random.nextBytes(payload);
            return payload;
        }

        private static long lyingLength(Random random, int actual) {
            return switch (random.nextInt(5)) {
                case 0 -> Math.max(0, actual - 1 - random.nextInt(Math.max(1, actual)));
                case 1 -> actual + 1 + random.nextInt(200);
                case 2 -> MAX_FRAME_BYTES + random.nextInt(1_000);
                case 3 -> random.nextLong() & Long.MAX_VALUE;
                default -> 126 + random.nextInt(MAX_FRAME_BYTES - 126);
            };
        }

        private static byte[] flipBytes(byte[] bytes, Random random) {
            byte[] flipped = bytes.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips && flipped.length > 0; i++) {
                // mostly in the first bytes, where the header is
                int at = random.nextBoolean() ? random.nextInt(Math.min(flipped.length, 14)) : random.nextInt(flipped.length);
                flipped[at] ^= (byte) (1 << random.nextInt(8));
            }
            return flipped;
        }

        private static byte[] insertRandomBytes(byte[] bytes, Random random) {
            int at = random.nextInt(bytes.length + 1);
            byte[] inserted = new byte[1 + random.nextInt(8)];
            random.nextBytes(inserted);
            return concat(Arrays.copyOfRange(bytes, 0, at), inserted, Arrays.copyOfRange(bytes, at, bytes.length));
        }

        /**
         * Close codes the server may echo because they could be read from a close frame in these bytes: at any
         * byte whose opcode bits say close, a masked header with the code's two bytes after it. A superset, so
         * that the random stream needs no parser of its own.
         */
        static Set<Integer> closeCodesAClientFrameCouldCarry(byte[] sent) {
            Set<Integer> codes = new HashSet<>();
            for (int i = 0; i + 7 < sent.length; i++) {
                boolean close = (sent[i] & 0x0F) == CLOSE;
                boolean masked = (sent[i + 1] & 0x80) != 0;
                if (close && masked && (sent[i + 1] & 0x7F) >= 2) {
                    codes.add(((sent[i + 6] ^ sent[i + 2]) & 0xFF) << 8 | (sent[i + 7] ^ sent[i + 3]) & 0xFF);
                }
            }
            return codes;
        }

        static String hex(byte[] bytes) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < Math.min(bytes.length, 64); i++) {
                text.append(String.format("%02x", bytes[i]));
            }
            return text + (bytes.length > 64 ? "... (" + bytes.length + " bytes)" : "");
        }
    }
}
