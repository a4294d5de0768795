package io.c254.streaming.transport.ws;

import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/**
 * The SPEC.md data message, written straight into one buffer:
 * `{"type":"data","topic":..,"data":{..},"timestamp":..,"partition":..,"offset":..}`.
 * Topic names are limited to [a-zA-Z0-9._-], so they need no escaping.
 */
final class WsDataFormat implements WireFormat {

    static final WsDataFormat INSTANCE = new WsDataFormat();

    private WsDataFormat() {
    }

    @Override
    public ByteBuf encode(Message message, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(96 + message.topic().length() + message.valueJson().length);
        ByteBufUtil.writeAscii(out, "{\"type\":\"data\",\"topic\":\"");
        ByteBufUtil.writeAscii(out, message.topic());
        ByteBufUtil.writeAscii(out, "\",\"data\":");
        out.writeBytes(message.valueJson());
        ByteBufUtil.writeAscii(out, ",\"timestamp\":");
        ByteBufUtil.writeAscii(out, Long.toString(message.timestamp()));
        ByteBufUtil.writeAscii(out, ",\"partition\":");
        ByteBufUtil.writeAscii(out, Integer.toString(message.partition()));
        ByteBufUtil.writeAscii(out, ",\"offset\":");
        ByteBufUtil.writeAscii(out, Long.toString(message.offset()));
        out.writeByte('}');
        return out;
    }
}
