package io.c254.streaming.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The published records: {@code {"instrument_id":"I<k>","sent_us":<epoch µs>,"seq":<n>,"pad":"xx…"}}, padded
 * to exactly {@code size} bytes, so that both peers carry the same payload whatever the numbers' widths.
 */
final class BenchRecords {

    /** Epoch microseconds have 16 digits until the year 2286. */
    private static final long WIDEST_MICROS = 9_999_999_999_999_999L;

    private static final byte[] CLOSING = {'"', '}'};

    private final int size;

    BenchRecords(int size) {
        this.size = size;
    }

    /** Fails at start-up, not mid-run, when the largest record of the run would not fit in {@code size} bytes. */
    void checkFits(long lastSeq, int instruments) {
        int needed = skeleton(Math.max(0, instruments - 1), WIDEST_MICROS, lastSeq).length() + CLOSING.length;
        if (needed > size) {
            throw new IllegalArgumentException("--size=" + size + " is too small: records of this run need at least "
                    + needed + " bytes");
        }
    }

    byte[] build(int instrument, long sentMicros, long seq) {
        byte[] head = skeleton(instrument, sentMicros, seq).getBytes(StandardCharsets.US_ASCII);
        byte[] record = new byte[size];
        int padEnd = size - CLOSING.length;
        System.arraycopy(head, 0, record, 0, head.length);
        Arrays.fill(record, head.length, padEnd, (byte) 'x');
        System.arraycopy(CLOSING, 0, record, padEnd, CLOSING.length);
        return record;
    }

    /** The record up to the opening quote of its padding. */
    private static String skeleton(int instrument, long sentMicros, long seq) {
        return "{\"instrument_id\":\"" + InstrumentFilter.id(instrument) + "\",\"sent_us\":" + sentMicros
                + ",\"seq\":" + seq + ",\"pad\":\"";
    }
}
