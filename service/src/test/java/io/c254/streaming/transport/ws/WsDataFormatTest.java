package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.hub.CursorText;
import io.c254.streaming.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class WsDataFormatTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String CURSOR = Cursor.of(Map.of("pricing.updates", new long[]{12346, 7})).encode();

    @Test
    void dataMessageIsExactlyTheSpecShape() throws Exception {
        String value = "{\"instrument_id\":\"BRENT_CRUDE\",\"price\":75.5,\"volume\":1000,\"timestamp\":\"2024-01-15T10:30:00Z\"}";

        String frame = encode(message("pricing.updates", 0, 12345, 1705312200000L, value));

        assertThat(frame).isEqualTo("{\"type\":\"data\",\"cursor\":\"" + CURSOR + "\",\"topic\":\"pricing.updates\",\"data\":" + value
                + ",\"timestamp\":1705312200000,\"partition\":0,\"offset\":12345}");
    }

    @Test
    void dataMessageParsesAsJsonWithEveryField() throws Exception {
        String frame = encode(message("served.market.latest_prices.v1", 11, Long.MAX_VALUE, 1705312200999L,
                "{\"instrument_id\":\"BRENT_CRUDE\",\"price\":75.5,\"nested\":{\"list\":[1,2]}}"));

        JsonNode json = MAPPER.readTree(frame);
        assertThat(json.get("type").asText()).isEqualTo("data");
        assertThat(json.get("topic").asText()).isEqualTo("served.market.latest_prices.v1");
        assertThat(json.get("data")).isEqualTo(MAPPER.readTree("{\"instrument_id\":\"BRENT_CRUDE\",\"price\":75.5,\"nested\":{\"list\":[1,2]}}"));
        assertThat(json.get("timestamp").asLong()).isEqualTo(1705312200999L);
        assertThat(json.get("partition").asInt()).isEqualTo(11);
        assertThat(json.get("offset").asLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(json.get("cursor").asText()).isEqualTo(CURSOR);
        assertThat(json.size()).isEqualTo(7);
    }

    @Test
    void nonAsciiValuesArriveIntactAsUtf8() throws Exception {
        String frame = encode(message("t", 0, 1, 1L, "{\"city\":\"Zürich\",\"unit\":\"€/MWh\",\"emoji\":\"\uD83D\uDD25\"}"));

        JsonNode data = MAPPER.readTree(frame).get("data");
        assertThat(data.get("city").asText()).isEqualTo("Zürich");
        assertThat(data.get("unit").asText()).isEqualTo("€/MWh");
        assertThat(data.get("emoji").asText()).isEqualTo("\uD83D\uDD25");
    }

    @Test
    void encodingDoesNotConsumeTheMessage() throws Exception {
        Message message = message("t", 1, 2, 3L, "{\"a\":1}");

        assertThat(encode(message)).isEqualTo(encode(message));
    }

    @ParameterizedTest(name = "a value of {0} characters")
    @ValueSource(ints = {1, 43, 44, 65_453, 65_454, 70_000}) // payloads of 83, 125, 126, 65,535, 65,536 bytes and more
    void everyPayloadLengthGetsAHeaderARealClientDecoderReads(int length) throws Exception {
        // around the 125 / 126 / 65,535 / 65,536 byte boundaries of the three header forms (RFC 6455 section 5.2)
        String blob = "x".repeat(length);

        String frame = encode(message("t", 0, 1, 1L, "{\"b\":\"" + blob + "\"}"));

        assertThat(MAPPER.readTree(frame).get("data").get("b").asText()).isEqualTo(blob);
    }

    /** The frame as a real client decodes it off the wire: exactly one unmasked, final text frame. */
    private static String encode(Message message) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
        try {
            ByteBuf body = WsDataFormat.INSTANCE.encode(message, UnpooledByteBufAllocator.DEFAULT);
            client.writeInbound(WsDataFormat.INSTANCE.frame(message, CursorText.of(CURSOR), body, UnpooledByteBufAllocator.DEFAULT));
            body.release();
            TextWebSocketFrame frame = client.readInbound();
            try {
                assertThat(frame.isFinalFragment()).isTrue();
                assertThat((Object) client.readInbound()).isNull();
                return frame.text();
            } finally {
                frame.release();
            }
        } finally {
            client.finishAndReleaseAll();
        }
    }

    private static Message message(String topic, int partition, long offset, long timestamp, String json) throws Exception {
        ObjectNode value = (ObjectNode) MAPPER.readTree(json);
        return new Message(topic, partition, offset, timestamp, null, value, MAPPER.writeValueAsBytes(value));
    }
}
