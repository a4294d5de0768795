package io.c254.streaming.hub;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor as the ASCII a frame carries, rewritten in place for each message: formats copy it into the
 * frame they build at once, so one buffer per set of topics serves every message without allocating.
 */
public final class CursorText {

    private static final byte[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            .getBytes(StandardCharsets.US_ASCII);

    private byte[] ascii = new byte[64];
    private int length;

    /** A cursor text that stays as given (tests, benchmarks). */
    public static CursorText of(String text) {
        CursorText cursor = new CursorText();
        cursor.ascii = text.getBytes(StandardCharsets.US_ASCII);
        cursor.length = cursor.ascii.length;
        return cursor;
    }

    public int length() {
        return length;
    }

    public void writeTo(ByteBuf out) {
        out.writeBytes(ascii, 0, length);
    }

    /**
     * Base64url without padding of the first `size` bytes, into this text. The JDK's encoder would allocate
     * an array and a string for every message; a cursor is written for every message and set of topics.
     */
    void setBase64(byte[] bytes, int size) {
        int needed = (size * 4 + 2) / 3;
        if (ascii.length < needed) {
            ascii = new byte[Math.max(needed, ascii.length * 2)];
        }
        int out = 0;
        int i = 0;
        for (; i + 2 < size; i += 3) {
            int triple = (bytes[i] & 0xFF) << 16 | (bytes[i + 1] & 0xFF) << 8 | (bytes[i + 2] & 0xFF);
            ascii[out++] = ALPHABET[triple >>> 18];
            ascii[out++] = ALPHABET[triple >>> 12 & 0x3F];
            ascii[out++] = ALPHABET[triple >>> 6 & 0x3F];
            ascii[out++] = ALPHABET[triple & 0x3F];
        }
        if (size - i == 1) {
            int single = (bytes[i] & 0xFF) << 16;
            ascii[out++] = ALPHABET[single >>> 18];
            ascii[out++] = ALPHABET[single >>> 12 & 0x3F];
        } else if (size - i == 2) {
            int pair = (bytes[i] & 0xFF) << 16 | (bytes[i + 1] & 0xFF) << 8;
            ascii[out++] = ALPHABET[pair >>> 18];
            ascii[out++] = ALPHABET[pair >>> 12 & 0x3F];
            ascii[out++] = ALPHABET[pair >>> 6 & 0x3F];
        }
        length = out;
    }

    @Override
    public String toString() {
        return new String(Arrays.copyOf(ascii, length), StandardCharsets.US_ASCII);
    }
}
