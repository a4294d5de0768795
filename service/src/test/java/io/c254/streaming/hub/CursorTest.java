package io.c254.streaming.hub;

import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A resume cursor survives the trip through a client unchanged, and anything else a client sends is refused, never a crash. */
class CursorTest {

    private static final Map<String, long[]> POSITIONS = Map.of(
            "served.market.latest_prices.v1", new long[]{0, 17, 1L << 40},
            "pricing.curve.updates.v1", new long[]{Long.MAX_VALUE});

    @Test
    void aCursorReadsBackAsItWasWritten() {
        Cursor cursor = Cursor.of(POSITIONS);

        String text = cursor.encode();

        assertThat(text).matches("[A-Za-z0-9_-]+");
        assertThat(Cursor.read(text)).isEqualTo(new Cursor.Read.Valid(cursor));
        assertThat(((Cursor.Read.Valid) Cursor.read(text)).cursor().next("served.market.latest_prices.v1"))
                .containsExactly(0, 17, 1L << 40);
        assertThat(cursor.topics()).containsExactly("pricing.curve.updates.v1", "served.market.latest_prices.v1");
    }

    @Test
    void aCursorIsTheSameWhateverOrderItsTopicsWereGivenIn() {
        Map<String, long[]> reversed = new LinkedHashMap<>();
        reversed.put("b", new long[]{1});
        reversed.put("a", new long[]{2});
        Map<String, long[]> sorted = new LinkedHashMap<>();
        sorted.put("a", new long[]{2});
        sorted.put("b", new long[]{1});

        assertThat(Cursor.of(reversed).encode()).isEqualTo(Cursor.of(sorted).encode());
    }

    @Test
    void aCursorOfOneTopicAndPartitionIsShort() {
        assertThat(Cursor.of(Map.of("served.market.latest_prices.v1", new long[]{123_456_789})).encode()).hasSizeLessThan(60);
    }

    @Test
    void whatIsNotACursorIsRefusedSayingWhy() {
        assertThat(reason(null)).contains("empty");
        assertThat(reason("")).contains("empty");
        assertThat(reason("served.market.latest_prices.v1:0:12")).contains("not base64url");
        assertThat(reason("x".repeat(Cursor.MAX_TEXT + 1))).contains("longer than 4096 characters");
        assertThat(reason(bytes(2, 0))).contains("version");
        assertThat(reason(bytes(1, 1, 1, 'a', 1))).contains("ends early");
        assertThat(reason(bytes(1, 1, 1, '!', 1, 0))).contains("not a legal Kafka topic name");
        assertThat(reason(bytes(1, 2, 1, 'a', 1, 0, 1, 'a', 1, 0))).contains("appears twice");
        assertThat(reason(bytes(1, 1, 1, 'a', 0))).contains("impossible number of partitions");
        assertThat(reason(bytes(1, 1, 1, 'a', 1, 0, 9))).contains("bytes after its last topic");
        assertThat(reason(bytes(1, 65))).contains("more than 64 topics");
        assertThat(reason(bytes(1, 1, 1, 'a', 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01))).contains("out of range");
        assertThat(reason(bytes(1, 1, 1, 'a', 1, 0))).isNull();
    }

    @Test
    void randomBytesAreRefusedOrReadNeverThrown() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = 1;
            }
            Cursor.Read read = Cursor.read(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
            if (read instanceof Cursor.Read.Valid valid) {
                assertThat(Cursor.read(valid.cursor().encode())).isEqualTo(read);
            }
        }
    }

    @Test
    void theInPlaceEncodingOfAFrameIsTheSameTokenAndBase64url() {
        Random random = new Random(7);
        CursorText text = new CursorText();
        for (int length = 0; length < 200; length++) {
            byte[] bytes = new byte[length + 3];
            random.nextBytes(bytes);
            text.setBase64(bytes, length);
            assertThat(text.toString()).isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(bytes, length)));
        }
        Cursor.Out scratch = new Cursor.Out(4);
        String[] topics = {"pricing.curve.updates.v1", "served.market.latest_prices.v1"};
        Cursor.encode(topics, new byte[][]{Cursor.name(topics[0]), Cursor.name(topics[1])}, POSITIONS, scratch, text);
        assertThat(text.toString()).isEqualTo(Cursor.of(POSITIONS).encode());
    }

    private static String reason(String text) {
        return Cursor.read(text) instanceof Cursor.Read.Invalid invalid ? invalid.reason() : null;
    }

    private static String bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
