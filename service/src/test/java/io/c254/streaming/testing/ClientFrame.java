package io.c254.streaming.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket frame as a client puts it on the wire (RFC 6455 section 5.2), including what a good client
 * never sends: any opcode, reserved bits, an unmasked frame, a length field that lies or is not in its
 * shortest form.
 *
 * @param rsv          the three reserved bits, 0 to 7
 * @param declared     the payload length the header states; the payload sent may be shorter or longer
 * @param lengthBytes  how the length is encoded: 0 (in the 7 bits), 2 (after 126) or 8 (after 127)
 */
public record ClientFrame(boolean fin, int rsv, int opcode, boolean masked, int maskKey, byte[] payload, long declared,
                          int lengthBytes) {

    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** RFC 6455's own example key (section 5.7). */
    private static final int MASK_KEY = 0x37FA213D;

    public static ClientFrame of(int opcode, byte[] payload) {
        return new ClientFrame(true, 0, opcode, true, MASK_KEY, payload, payload.length, shortestLengthBytes(payload.length));
    }

    public static ClientFrame text(String text) {
        return of(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A close frame with a status code (section 5.5.1). */
    public static ClientFrame close(int code) {
        return of(CLOSE, new byte[]{(byte) (code >> 8), (byte) code});
    }

    /** Not the last frame of its message (FIN clear). */
    public ClientFrame notFinal() {
        return new ClientFrame(false, rsv, opcode, masked, maskKey, payload, declared, lengthBytes);
    }

    public ClientFrame withRsv(int bits) {
        return new ClientFrame(fin, bits & 0x7, opcode, masked, maskKey, payload, declared, lengthBytes);
    }

    public ClientFrame withOpcode(int code) {
        return new ClientFrame(fin, rsv, code & 0xF, masked, maskKey, payload, declared, lengthBytes);
    }

    public ClientFrame unmasked() {
        return new ClientFrame(fin, rsv, opcode, false, maskKey, payload, declared, lengthBytes);
    }

    public ClientFrame maskedWith(int key) {
        return new ClientFrame(fin, rsv, opcode, true, key, payload, declared, lengthBytes);
    }

    /** A header stating this payload length, in its shortest form, whatever the payload sent. */
    public ClientFrame declaring(long length) {
        return new ClientFrame(fin, rsv, opcode, masked, maskKey, payload, length, shortestLengthBytes(length));
    }

    /** The length encoded in 2 or 8 bytes even where fewer would do (section 5.2 requires the shortest). */
    public ClientFrame lengthIn(int bytes) {
        return new ClientFrame(fin, rsv, opcode, masked, maskKey, payload, declared, bytes);
    }

    /** The header: FIN, RSV, opcode; MASK and length; the extended length; the masking key. */
    public byte[] header() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | rsv << 4 | opcode);
        int maskBit = masked ? 0x80 : 0;
        switch (lengthBytes) {
            case 0 -> out.write(maskBit | (int) declared);
            case 2 -> {
                out.write(maskBit | 126);
                out.writeBytes(ByteBuffer.allocate(2).putShort((short) declared).array());
            }
            default -> {
                out.write(maskBit | 127);
                out.writeBytes(ByteBuffer.allocate(8).putLong(declared).array());
            }
        }
        if (masked) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(maskKey).array());
        }
        return out.toByteArray();
    }

    /** The payload as sent: XOR-ed with the masking key when masked (section 5.3). */
    public byte[] maskedPayload() {
        byte[] sent = payload.clone();
        if (masked) {
            byte[] key = ByteBuffer.allocate(4).putInt(maskKey).array();
            for (int i = 0; i < sent.length; i++) {
                sent[i] ^= key[i % 4];
            }
        }
        return sent;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header());
        out.writeBytes(maskedPayload());
        return out.toByteArray();
    }

    private static int shortestLengthBytes(long length) {
        return length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8;
    }
}
