package io.c254.streaming.transport;

import io.c254.streaming.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * The fields every data message carries, on either transport:
 * `"topic":..,"data":{..},"timestamp":..,"partition":..,"offset":..`, written straight into a buffer.
 * Topic names are limited to [a-zA-Z0-9._-], so they need no escaping.
 */
public final class DataFields {

    private DataFields() {
    }

    /** Room for the fields around the record's JSON. */
    public static int estimatedSize(Message message) {
        return 96 + 2 * message.topic().length() + message.valueJson().length;
    }

    public static void write(ByteBuf out, Message message) {
        ByteBufUtil.writeAscii(out, "\"topic\":\"");
        ByteBufUtil.writeAscii(out, message.topic());
        ByteBufUtil.writeAscii(out, "\",\"data\":");
        out.writeBytes(message.valueJson());
        ByteBufUtil.writeAscii(out, ",\"timestamp\":");
        ByteBufUtil.writeAscii(out, Long.toString(message.timestamp()));
        ByteBufUtil.writeAscii(out, ",\"partition\":");
        ByteBufUtil.writeAscii(out, Integer.toString(message.partition()));
        ByteBufUtil.writeAscii(out, ",\"offset\":");
        ByteBufUtil.writeAscii(out, Long.toString(message.offset()));
    }
}
