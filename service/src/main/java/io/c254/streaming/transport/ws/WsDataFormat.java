package io.c254.streaming.transport.ws;

import io.c254.streaming.hub.CursorText;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.transport.DataFields;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * The SPEC.md data message as a complete WebSocket text frame, header included:
 * `{"type":"data","cursor":"..","topic":..,"data":{..},"timestamp":..,"partition":..,"offset":..}`. A
 * server's frames are not masked (RFC 6455 section 5.1), so the bytes can be shared: the body (from
 * `"topic"` to the end) is encoded once for every subscriber, and the frame around it (header, type and
 * cursor) once for those holding the same topics.
 */
final class WsDataFormat implements WireFormat {

    static final WsDataFormat INSTANCE = new WsDataFormat();

    /** FIN + opcode, then the 7-bit length or 126 + 16 bits or 127 + 64 bits (RFC 6455 section 5.2). */
    private static final int MAX_HEADER = 2 + 8;
    private static final int FIN_TEXT = 0x81;
    private static final byte[] HEAD_START = "{\"type\":\"data\",\"cursor\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SNAPSHOT_HEAD_START = "{\"type\":\"snapshot\",\"cursor\":\"".getBytes(StandardCharsets.US_ASCII);

    private WsDataFormat() {
    }

    @Override
    public ByteBuf encode(Message message, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(DataFields.estimatedSize(message));
        DataFields.write(out, message);
        out.writeByte('}');
        return out;
    }

    @Override
    public ByteBuf frame(Message message, CursorText cursor, ByteBuf body, ByteBufAllocator allocator) {
        return frame(HEAD_START, cursor, body, allocator);
    }

    /** A `latest` topic's current value for a new subscriber: the data message's fields, typed `snapshot`. */
    @Override
    public ByteBuf snapshotFrame(Message message, CursorText cursor, ByteBufAllocator allocator) {
        ByteBuf body = encode(message, allocator);
        try {
            return frame(SNAPSHOT_HEAD_START, cursor, body, allocator);
        } finally {
            body.release();
        }
    }

    /** `{"type":"snapshot_complete","topic":..,"count":..,"cursor":..}`: the subscription's current values are all sent. */
    @Override
    public ByteBuf snapshotComplete(String topic, int values, CursorText cursor, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(MAX_HEADER + 96 + topic.length() + cursor.length());
        out.writerIndex(MAX_HEADER);
        ByteBufUtil.writeAscii(out, "{\"type\":\"snapshot_complete\",\"topic\":\"");
        ByteBufUtil.writeAscii(out, topic);
        ByteBufUtil.writeAscii(out, "\",\"count\":");
        ByteBufUtil.writeAscii(out, Integer.toString(values));
        ByteBufUtil.writeAscii(out, ",\"cursor\":\"");
        cursor.writeTo(out);
        ByteBufUtil.writeAscii(out, "\"}");
        writeHeader(out, out.writerIndex() - MAX_HEADER);
        return out;
    }

    private static ByteBuf frame(byte[] head, CursorText cursor, ByteBuf body, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(MAX_HEADER + head.length + cursor.length() + 2 + body.readableBytes());
        out.writerIndex(MAX_HEADER);
        out.writeBytes(head);
        // base64url needs no escaping in a JSON string
        cursor.writeTo(out);
        out.writeByte('"').writeByte(',');
        out.writeBytes(body, body.readerIndex(), body.readableBytes());
        writeHeader(out, out.writerIndex() - MAX_HEADER);
        return out;
    }

    private static void writeHeader(ByteBuf frame, int payloadLength) {
        int start;
        if (payloadLength < 126) {
            start = MAX_HEADER - 2;
            frame.setByte(start + 1, payloadLength);
        } else if (payloadLength <= 0xFFFF) {
            start = MAX_HEADER - 4;
            frame.setByte(start + 1, 126);
            frame.setShort(start + 2, payloadLength);
        } else {
            start = 0;
            frame.setByte(start + 1, 127);
            frame.setLong(start + 2, payloadLength);
        }
        frame.setByte(start, FIN_TEXT);
        frame.readerIndex(start);
    }
}
