package io.c254.streaming.bench;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;

/**
 * Finds a record's {@code "sent_us":} and {@code "seq":} in received bytes, whatever envelope the peer put
 * around the record (gateway data message, SSE event, Nchan's raw body), and parses those two numbers only:
 * no JSON tree per message, so the client stays cheap next to the server it measures.
 */
final class RecordStamp {

    private static final byte[] SENT_US = "\"sent_us\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);

    /** Receives the stamp of each record found. */
    interface Sink {
        void onRecord(long sentMicros, long seq);
    }

    private RecordStamp() {
    }

    /** Hands the stamp of the record in {@code [from, to)} to {@code sink}; false when those bytes hold no record. */
    static boolean read(ByteBuf bytes, int from, int to, Sink sink) {
        int sent = indexOf(bytes, from, to, SENT_US);
        if (sent < 0) {
            return false;
        }
        int seq = indexOf(bytes, sent + SENT_US.length, to, SEQ);
        if (seq < 0) {
            return false;
        }
        long sentMicros = number(bytes, sent + SENT_US.length, to);
        long seqNumber = number(bytes, seq + SEQ.length, to);
        if (sentMicros < 0 || seqNumber < 0) {
            return false;
        }
        sink.onRecord(sentMicros, seqNumber);
        return true;
    }

    static boolean read(ByteBuf bytes, Sink sink) {
        return read(bytes, bytes.readerIndex(), bytes.writerIndex(), sink);
    }

    /** The first index of {@code needle} in {@code [from, to)}, or -1. */
    static int indexOf(ByteBuf bytes, int from, int to, byte[] needle) {
        int last = to - needle.length;
        int i = from;
        while (i <= last) {
            i = bytes.indexOf(i, last + 1, needle[0]);
            if (i < 0) {
                return -1;
            }
            if (startsWith(bytes, i, needle)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    private static boolean startsWith(ByteBuf bytes, int at, byte[] needle) {
        for (int k = 1; k < needle.length; k++) {
            if (bytes.getByte(at + k) != needle[k]) {
                return false;
            }
        }
        return true;
    }

    /** The decimal digits at {@code at}, or -1 when there are none (or too many for a long). */
    private static long number(ByteBuf bytes, int at, int to) {
        long value = 0;
        int i = at;
        while (i < to && i - at < 18) {
            byte b = bytes.getByte(i);
            if (b < '0' || b > '9') {
                break;
            }
            value = value * 10 + (b - '0');
            i++;
        }
        return i == at ? -1 : value;
    }
}
