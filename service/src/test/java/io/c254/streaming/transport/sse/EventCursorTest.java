package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.c254.streaming.hub.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class EventCursorTest {

    @ParameterizedTest
    @ValueSource(strings = {"served.market.latest_prices.v1", "my-topic", "under_score", "a", "MiXeD.Case-09_x"})
    void cursorRoundTripsThroughItsText(String topic) {
        EventCursor cursor = new EventCursor(topic, 7, 12_345L);

        assertThat(cursor.toString()).isEqualTo(topic + ":7:12345");
        assertThat(EventCursor.parse(cursor.toString())).isEqualTo(cursor);
    }

    @Test
    void largestPartitionAndOffsetRoundTrip() {
        EventCursor cursor = new EventCursor("t", Integer.MAX_VALUE, Long.MAX_VALUE);

        assertThat(EventCursor.parse(cursor.toString())).isEqualTo(cursor);
    }

    @Test
    void zeroPartitionAndOffsetRoundTrip() {
        assertThat(EventCursor.parse("t:0:0")).isEqualTo(new EventCursor("t", 0, 0));
    }

    @Test
    void messageCursorIsTopicPartitionOffset() {
        Message message = new Message("pricing.curve.updates.v1", 3, 42, 1L, null, JsonNodeFactory.instance.objectNode(), "{}".getBytes());

        assertThat(EventCursor.of(message)).isEqualTo("pricing.curve.updates.v1:3:42");
        assertThat(EventCursor.parse(EventCursor.of(message))).isEqualTo(new EventCursor("pricing.curve.updates.v1", 3, 42));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "a:b:c", "topic:1", "topic", "t:-1:5", "t:1:-5", "a:b:1:2", ":1:2", "t:1:", "t::1",
            "t:1:2:", "t:1.5:2", "t:1:99999999999999999999", "t:2147483648:1"})
    void textThatIsNotACursorIsRejected(String text) {
        assertThat(EventCursor.parse(text)).isNull();
    }

    @Test
    void signedNumbersAreNotCursors() {
        assertThat(EventCursor.parse("t:+1:2")).isNull();
        assertThat(EventCursor.parse("t:1:+2")).isNull();
    }
}
