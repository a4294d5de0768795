package io.c254.streaming.transport.sse;

import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Each field of a control request is given once and with its type, or the request is refused naming the field. */
class ControlRequestTest {

    @Test
    void aFormNamingTwoTopicsIsRefusedRatherThanActingOnTheFirst() {
        ControlRequest.Parsed parsed = parse("application/x-www-form-urlencoded", "connection_id=conn-1&topic=a&topic=b");

        assertThat(parsed.request()).isNull();
        assertThat(parsed.problem().code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(parsed.problem().message()).contains("'topic'", "2 times", "one topic per request");
    }

    @Test
    void aNumericConnectionIdIsReportedAsTheWrongTypeNotAsMissing() {
        ControlRequest.Parsed parsed = parse("application/json", "{\"connection_id\":123,\"topic\":\"a\"}");

        assertThat(parsed.problem().code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(parsed.problem().message()).isEqualTo("Field 'connection_id' must be a string, not number");
    }

    @Test
    void aWellFormedFormAndJsonBodyAreAccepted() {
        assertThat(parse("application/x-www-form-urlencoded", "connection_id=conn-1&topic=a").request())
                .isEqualTo(new ControlRequest("conn-1", "a", Filter.none()));
        assertThat(parse("application/json", "{\"connection_id\":\"conn-1\",\"topic\":\"a\"}").request())
                .isEqualTo(new ControlRequest("conn-1", "a", Filter.none()));
    }

    @Test
    void aMissingConnectionIdIsStillMissing() {
        assertThat(parse("application/json", "{\"topic\":\"a\"}").problem().code()).isEqualTo(ErrorCode.MISSING_FIELD);
    }

    private static ControlRequest.Parsed parse(String contentType, String body) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/sse/subscribe",
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        try {
            return ControlRequest.parse(request, Filter.Limits.DEFAULT);
        } finally {
            request.release();
        }
    }
}
