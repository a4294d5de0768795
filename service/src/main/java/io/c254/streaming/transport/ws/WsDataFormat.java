package io.c254.streaming.transport.ws;

import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.WireFormat;
import io.c254.streaming.transport.DataFields;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/**
 * The SPEC.md data message, written straight into one buffer:
 * `{"type":"data","topic":..,"data":{..},"timestamp":..,"partition":..,"offset":..}`.
 */
final class WsDataFormat implements WireFormat {

    static final WsDataFormat INSTANCE = new WsDataFormat();

    private WsDataFormat() {
    }

    @Override
    public ByteBuf encode(Message message, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(DataFields.estimatedSize(message));
        ByteBufUtil.writeAscii(out, "{\"type\":\"data\",");
        DataFields.write(out, message);
        out.writeByte('}');
        return out;
    }
}
