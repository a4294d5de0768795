package io.c254.streaming.hub;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where a client is in every partition of the topics it holds: per topic, the offset of the next record
 * of each partition it has not been given. Every data message carries the cursor as of that message (the
 * WebSocket `cursor`, the SSE `id:`), and a client gives the last one back to resume. To clients it is an
 * opaque token: a version byte and the positions in varints, base64url. It names topics, not anything of
 * one instance, so any instance can resume from it; it is bounded in size and checked when read.
 */
public final class Cursor {

    /** The longest cursor text accepted. */
    public static final int MAX_TEXT = 4096;
    static final int MAX_TOPICS = 64;
    static final int MAX_PARTITIONS = 1024;
    private static final int VERSION = 1;
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final SortedMap<String, long[]> next;

    private Cursor(SortedMap<String, long[]> next) {
        this.next = Collections.unmodifiableSortedMap(next);
    }

    /** @param next per topic, the next offset of each partition, partition 0 first */
    public static Cursor of(Map<String, long[]> next) {
        if (next.size() > MAX_TOPICS) {
            throw new IllegalArgumentException("a cursor holds at most " + MAX_TOPICS + " topics");
        }
        SortedMap<String, long[]> copy = new TreeMap<>();
        next.forEach((topic, offsets) -> copy.put(topic, offsets.clone()));
        return new Cursor(copy);
    }

    public Set<String> topics() {
        return next.keySet();
    }

    /** The next offset of each partition of the topic, or null when the cursor does not hold the topic. */
    public long[] next(String topic) {
        long[] offsets = next.get(topic);
        return offsets == null ? null : offsets.clone();
    }

    /**
     * Writes the cursor of the given topics at the given positions into `text`, as {@link #encode} would
     * encode it, without allocating: once per message for each set of topics subscribers hold. A topic
     * without positions (not in Kafka yet) is left out.
     *
     * @param scratch the loop's working bytes, reused
     */
    static void encode(String[] sortedTopics, byte[][] names, Map<String, long[]> positions, Out scratch, CursorText text) {
        scratch.reset();
        scratch.write(VERSION);
        int present = 0;
        for (String topic : sortedTopics) {
            if (positions.get(topic) != null) {
                present++;
            }
        }
        scratch.varint(Math.min(present, MAX_TOPICS));
        int written = 0;
        for (int t = 0; t < sortedTopics.length; t++) {
            long[] offsets = positions.get(sortedTopics[t]);
            if (offsets != null && written++ < MAX_TOPICS) {
                scratch.write(names[t]);
                scratch.offsets(offsets);
            }
        }
        text.setBase64(scratch.bytes, scratch.size);
    }

    public String encode() {
        Out out = new Out(16 + 48 * next.size());
        out.write(VERSION);
        out.varint(next.size());
        next.forEach(out::topic);
        return out.base64();
    }

    /** A topic as a cursor names it: the length, then the name (legal topic names are ASCII). */
    static byte[] name(String topic) {
        Out out = new Out(topic.length() + 2);
        out.varint(topic.length());
        out.write(topic.getBytes(StandardCharsets.US_ASCII));
        return Arrays.copyOf(out.bytes, out.size);
    }

    /** A growing byte array, reused: cursors are encoded once per message and set of topics. */
    static final class Out {
        private byte[] bytes;
        private int size;

        Out(int capacity) {
            bytes = new byte[capacity];
        }

        void reset() {
            size = 0;
        }

        void write(int b) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = (byte) b;
        }

        void varint(long value) {
            long v = value;
            while ((v & ~0x7FL) != 0) {
                write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }

        void topic(String topic, long[] offsets) {
            write(name(topic));
            offsets(offsets);
        }

        void write(byte[] more) {
            if (size + more.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(size + more.length, size * 2));
            }
            System.arraycopy(more, 0, bytes, size, more.length);
            size += more.length;
        }

        void offsets(long[] offsets) {
            varint(offsets.length);
            for (long offset : offsets) {
                varint(offset);
            }
        }

        String base64() {
            return ENCODER.encodeToString(size == bytes.length ? bytes : Arrays.copyOf(bytes, size));
        }
    }

    /** A cursor read from a client, or what is wrong with the text. */
    public sealed interface Read {
        record Valid(Cursor cursor) implements Read {
        }

        record Invalid(String reason) implements Read {
        }
    }

    public static Read read(String text) {
        if (text == null || text.isEmpty()) {
            return invalid("it is empty");
        }
        if (text.length() > MAX_TEXT) {
            return invalid("it is longer than " + MAX_TEXT + " characters");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return invalid("it is not base64url");
        }
        Reader in = new Reader(bytes);
        try {
            if (in.next() != VERSION) {
                return invalid("its version is not one this gateway reads");
            }
            long topics = in.varint();
            if (topics > MAX_TOPICS) {
                return invalid("it names more than " + MAX_TOPICS + " topics");
            }
            SortedMap<String, long[]> next = new TreeMap<>();
            for (int t = 0; t < topics; t++) {
                long length = in.varint();
                if (length < 1 || length > 249) {
                    return invalid("a topic name has an impossible length");
                }
                String topic = new String(in.bytes((int) length), StandardCharsets.US_ASCII);
                if (!LEGAL_TOPIC.matcher(topic).matches() || next.containsKey(topic)) {
                    return invalid("a topic name is not a legal Kafka topic name, or appears twice");
                }
                long partitions = in.varint();
                if (partitions < 1 || partitions > MAX_PARTITIONS) {
                    return invalid("topic " + topic + " has an impossible number of partitions");
                }
                long[] offsets = new long[(int) partitions];
                for (int p = 0; p < partitions; p++) {
                    offsets[p] = in.varint();
                }
                next.put(topic, offsets);
            }
            if (in.remaining() != 0) {
                return invalid("it has bytes after its last topic");
            }
            return new Read.Valid(new Cursor(next));
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            return invalid("it ends early or holds a number out of range");
        }
    }

    private static Read invalid(String why) {
        return new Read.Invalid("The resume cursor is not one this gateway issued: " + why
                + "; send back the cursor of the last message received, unchanged");
    }

    /** Bounds-checked reading: past the end throws IndexOutOfBoundsException. */
    private static final class Reader {
        private final byte[] bytes;
        private int position;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        int next() {
            return bytes[position++] & 0xFF;
        }

        byte[] bytes(int length) {
            if (length > remaining()) {
                throw new IndexOutOfBoundsException();
            }
            byte[] out = Arrays.copyOfRange(bytes, position, position + length);
            position += length;
            return out;
        }

        /** An unsigned varint of at most 9 bytes (63 bits): offsets are never negative. */
        long varint() {
            long value = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                int b = next();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new NumberFormatException("varint longer than 63 bits");
        }

        int remaining() {
            return bytes.length - position;
        }
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Cursor that) || !next.keySet().equals(that.next.keySet())) {
            return false;
        }
        return next.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), that.next.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        int hash = 0;
        for (Map.Entry<String, long[]> e : next.entrySet()) {
            hash = 31 * hash + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        }
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Cursor{");
        next.forEach((topic, offsets) -> text.append(topic).append('=').append(Arrays.toString(offsets)).append(' '));
        return text.append('}').toString();
    }
}
