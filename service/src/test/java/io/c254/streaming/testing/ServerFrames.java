package io.c254.streaming.testing;

import java.nio.ByteBuffer;

/** What a server sent on a WebSocket, read back from the raw bytes (see {@link RawHttp#readToEnd()}). */
public final class ServerFrames {

    private ServerFrames() {
    }

    /**
     * Walks the server's unmasked frames (RFC 6455 section 5.2) and returns the status of the last close
     * frame, or -1 when there is none (a truncated last frame is ignored).
     */
    public static int lastCloseCode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int code = -1;
        while (in.remaining() >= 2) {
            int opcode = in.get() & 0x0F;
            long length = in.get() & 0x7F;
            if (length == 126 && in.remaining() >= 2) {
                length = in.getShort() & 0xFFFF;
            } else if (length == 127 && in.remaining() >= 8) {
                length = in.getLong();
            }
            if (length > in.remaining()) {
                break;
            }
            if (opcode == 0x8 && length >= 2) {
                code = in.getShort(in.position()) & 0xFFFF;
            }
            in.position(in.position() + (int) length);
        }
        return code;
    }
}
