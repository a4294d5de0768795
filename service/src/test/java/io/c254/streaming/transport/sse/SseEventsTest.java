package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.hub.CursorText;
import io.c254.streaming.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SseEventsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String CURSOR = Cursor.of(Map.of("pricing.curve.updates.v1", new long[]{1, 2, 12346})).encode();

    @Test
    void dataEventCarriesCursorIdEventNameAndOneLineOfJson() throws Exception {
        String value = "{\"instrument_id\":\"BRENT_CRUDE\",\"price\":75.5,\"volume\":1000}";

        String event = encode(message("pricing.curve.updates.v1", 2, 12345, 1705312200000L, value));

        assertThat(event).isEqualTo("id: " + CURSOR + "\nevent: data\ndata: "
                + "{\"topic\":\"pricing.curve.updates.v1\",\"data\":" + value
                + ",\"timestamp\":1705312200000,\"partition\":2,\"offset\":12345}\n\n");
    }

    @Test
    void dataLineIsJsonWithTopicDataTimestampPartitionAndOffset() throws Exception {
        String event = encode(message("market.data.updates.v1", 0, 7, 1705312200123L,
                "{\"instrument_id\":\"BRENT_CRUDE\",\"price\":75.5,\"tags\":[\"a\",\"b\"],\"meta\":{\"x\":null}}"));

        assertThat(event).endsWith("\n\n");
        String[] lines = event.substring(0, event.length() - 2).split("\n", -1);
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).isEqualTo("id: " + CURSOR);
        assertThat(lines[1]).isEqualTo("event: data");
        assertThat(lines[2]).startsWith("data: ");
        JsonNode data = MAPPER.readTree(lines[2].substring("data: ".length()));
        assertThat(data.get("topic").asText()).isEqualTo("market.data.updates.v1");
        assertThat(data.get("data").get("instrument_id").asText()).isEqualTo("BRENT_CRUDE");
        assertThat(data.get("data").get("price").decimalValue()).isEqualByComparingTo("75.5");
        assertThat(data.get("timestamp").asLong()).isEqualTo(1705312200123L);
        assertThat(data.get("partition").asInt()).isZero();
        assertThat(data.get("offset").asLong()).isEqualTo(7);
    }

    @Test
    void dataEventIdIsTheCursorItWasGiven() throws Exception {
        String event = encode(message("served.market.latest_prices.v1", 4, 99, 1L, "{}"));

        String id = event.lines().findFirst().orElseThrow().substring("id: ".length());
        assertThat(Cursor.read(id)).isEqualTo(Cursor.read(CURSOR));
    }

    @Test
    void nonAsciiValuesArriveIntactAsUtf8() throws Exception {
        String event = encode(message("t", 0, 1, 1L, "{\"city\":\"Zürich\",\"unit\":\"€/MWh\",\"note\":\"line\\nbreak\"}"));

        String dataLine = event.lines().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow();
        JsonNode data = MAPPER.readTree(dataLine.substring("data: ".length()));
        assertThat(data.get("data").get("city").asText()).isEqualTo("Zürich");
        assertThat(data.get("data").get("unit").asText()).isEqualTo("€/MWh");
        assertThat(data.get("data").get("note").asText()).isEqualTo("line\nbreak");
    }

    @Test
    void aLargeEventIsOneChunkWhoseSizeLineARealHttpClientReads() throws Exception {
        String big = "x".repeat(70_000);

        String event = encode(message("t", 0, 1, 1L, "{\"blob\":\"" + big + "\"}"));

        assertThat(event).startsWith("id: " + CURSOR + "\nevent: data\ndata: ").contains(big).endsWith("}\n\n");
    }

    @Test
    void theChunkIsTheEventsExactSizeInHexFollowedByTheEventAndCrlf() throws Exception {
        ByteBuf chunk = wire(message("t", 0, 1, 1L, "{}"));
        try {
            String wire = chunk.toString(StandardCharsets.UTF_8);
            String event = "id: " + CURSOR + "\nevent: data\ndata: {\"topic\":\"t\",\"data\":{},\"timestamp\":1,\"partition\":0,\"offset\":1}\n\n";
            assertThat(wire).isEqualTo(Integer.toHexString(event.length()) + "\r\n" + event + "\r\n");
        } finally {
            chunk.release();
        }
    }

    /** The event as a real HTTP client reads it out of a chunked response: the bytes are one whole chunk. */
    private static String encode(Message message) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder());
        try {
            client.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", StandardCharsets.US_ASCII));
            client.writeInbound(wire(message));
            assertThat((Object) client.readInbound()).isInstanceOf(HttpResponse.class);
            StringBuilder event = new StringBuilder();
            for (HttpContent content; (content = client.readInbound()) != null; ) {
                event.append(content.content().toString(StandardCharsets.UTF_8));
                content.release();
            }
            return event.toString();
        } finally {
            client.finishAndReleaseAll();
        }
    }

    /** The chunk a subscriber at {@link #CURSOR} is written: its cursor around the shared body. */
    private static ByteBuf wire(Message message) {
        ByteBuf body = SseEvents.DATA.encode(message, UnpooledByteBufAllocator.DEFAULT);
        try {
            return SseEvents.DATA.frame(message, CursorText.of(CURSOR), body, UnpooledByteBufAllocator.DEFAULT);
        } finally {
            body.release();
        }
    }

    private static Message message(String topic, int partition, long offset, long timestamp, String json) throws Exception {
        ObjectNode value = (ObjectNode) MAPPER.readTree(json);
        return new Message(topic, partition, offset, timestamp, "key", value, MAPPER.writeValueAsBytes(value));
    }
}
