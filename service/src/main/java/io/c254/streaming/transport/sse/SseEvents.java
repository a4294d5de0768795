package io.c254.streaming.transport.sse;

import io.c254.streaming.hub.CursorText;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.Session;
import io.c254.streaming.transport.DataFields;
import io.c254.streaming.transport.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * Server-Sent Events as SPEC.md shows them (WHATWG HTML, "Server-sent events"). Every field value is
 * one line: JSON is written compactly, so a `data:` line never holds a line break.
 */
final class SseEvents {

    /** EventSource waits this long before reconnecting after the stream drops. */
    static final int RETRY_MILLIS = 3_000;

    /**
     * Data events as complete HTTP chunks (RFC 9112 section 7.1: size in hex, CRLF, data, CRLF), so the
     * bytes pass no codec. The body (`event: data`, the `data:` line and the chunk's closing CRLF) is
     * encoded once for every subscriber; the chunk around it (size, and `id:` with the resume cursor) once
     * for those holding the same topics.
     */
    static final WireFormat DATA = new WireFormat() {
        @Override
        public ByteBuf encode(Message message, ByteBufAllocator allocator) {
            ByteBuf out = allocator.buffer(DataFields.estimatedSize(message) + 24);
            ByteBufUtil.writeAscii(out, "event: data\ndata: {");
            DataFields.write(out, message);
            ByteBufUtil.writeAscii(out, "}\n\n\r\n");
            return out;
        }

        @Override
        public ByteBuf frame(Message message, CursorText cursor, ByteBuf body, ByteBufAllocator allocator) {
            ByteBuf out = allocator.buffer(MAX_CHUNK_HEADER + cursor.length() + 5 + body.readableBytes());
            out.writerIndex(MAX_CHUNK_HEADER);
            out.writeByte('i').writeByte('d').writeByte(':').writeByte(' ');
            cursor.writeTo(out);
            out.writeByte('\n');
            out.writeBytes(body, body.readerIndex(), body.readableBytes());
            // the chunk holds the event: all but its closing CRLF
            writeChunkHeader(out, out.writerIndex() - MAX_CHUNK_HEADER - 2);
            return out;
        }

        /** `event: snapshot`: a `latest` topic's current value for a new subscriber, with a data event's fields. */
        @Override
        public ByteBuf snapshotFrame(Message message, CursorText cursor, ByteBufAllocator allocator) {
            ByteBuf out = allocator.buffer(MAX_CHUNK_HEADER + cursor.length() + DataFields.estimatedSize(message) + 48);
            out.writerIndex(MAX_CHUNK_HEADER);
            ByteBufUtil.writeAscii(out, "id: ");
            cursor.writeTo(out);
            ByteBufUtil.writeAscii(out, "\nevent: snapshot\ndata: {");
            DataFields.write(out, message);
            ByteBufUtil.writeAscii(out, "}\n\n\r\n");
            writeChunkHeader(out, out.writerIndex() - MAX_CHUNK_HEADER - 2);
            return out;
        }

        /** `event: snapshot_complete` with `{"topic":..,"count":..,"cursor":..}`: the current values are all sent. */
        @Override
        public ByteBuf snapshotComplete(String topic, int values, CursorText cursor, ByteBufAllocator allocator) {
            ByteBuf out = allocator.buffer(MAX_CHUNK_HEADER + 2 * cursor.length() + topic.length() + 96);
            out.writerIndex(MAX_CHUNK_HEADER);
            ByteBufUtil.writeAscii(out, "id: ");
            cursor.writeTo(out);
            ByteBufUtil.writeAscii(out, "\nevent: snapshot_complete\ndata: {\"topic\":\"");
            ByteBufUtil.writeAscii(out, topic);
            ByteBufUtil.writeAscii(out, "\",\"count\":" + values + ",\"cursor\":\"");
            cursor.writeTo(out);
            ByteBufUtil.writeAscii(out, "\"}\n\n\r\n");
            writeChunkHeader(out, out.writerIndex() - MAX_CHUNK_HEADER - 2);
            return out;
        }
    };

    /** A chunk's size line: up to 8 hex digits and CRLF, written before the event once its size is known. */
    private static final int MAX_CHUNK_HEADER = 8 + 2;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private SseEvents() {
    }

    private static void writeChunkHeader(ByteBuf chunk, int size) {
        int digits = Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(size) + 3) / 4);
        int start = MAX_CHUNK_HEADER - 2 - digits;
        for (int i = 0; i < digits; i++) {
            chunk.setByte(start + i, HEX[(size >>> (4 * (digits - 1 - i))) & 0xF]);
        }
        chunk.setByte(MAX_CHUNK_HEADER - 2, '\r');
        chunk.setByte(MAX_CHUNK_HEADER - 1, '\n');
        chunk.readerIndex(start);
    }

    /** The first bytes of a stream: the reconnection delay, then the confirmation. */
    static String opening(Session session) {
        return "retry: " + RETRY_MILLIS + "\n" + event("connection_established", Json.write(Json.object()
                .put("connection_id", session.id())
                .put("user_id", session.userId())
                .put("tenant_id", session.tenantId())));
    }

    /**
     * After the stream's first subscriptions: the topics it holds, and the cursor it starts from as the
     * event's id, so that an EventSource has one to send back before any data event came.
     */
    static String subscribed(java.util.Collection<String> topics, String cursor) {
        com.fasterxml.jackson.databind.node.ObjectNode data = Json.object();
        topics.forEach(data.putArray("topics")::add);
        data.put("cursor", cursor);
        return "id: " + cursor + "\n" + event("subscribed", Json.write(data));
    }

    static String error(Problem problem) {
        return event("error", Json.write(Json.problem(problem)));
    }

    /**
     * The last event of a stream the server ends because it is shutting down: not an error, a request
     * to reconnect (to another instance behind the load balancer) after `retry_ms`.
     */
    static String reconnect() {
        return event("reconnect", Json.write(Json.object()
                .put("reason", CloseReason.GOING_AWAY.text())
                .put("retry_ms", RETRY_MILLIS)));
    }

    /** The last event of a stream the server ends: the reason as the WebSocket close catalog names it. */
    static String closing(CloseReason reason) {
        return event("error", Json.write(Json.object()
                .put("error", reason.name())
                .put("message", reason.text())
                .put("close_code", reason.code())));
    }

    /** A comment line: ignored by EventSource, but it keeps proxies from closing an idle stream. */
    static String heartbeat() {
        return ": heartbeat\n\n";
    }

    private static String event(String name, String json) {
        return "event: " + name + "\ndata: " + json + "\n\n";
    }
}
