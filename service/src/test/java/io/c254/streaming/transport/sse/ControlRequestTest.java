package io.c254.streaming.transport.sse;

import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
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
        Problem problem = problem(parse("application/x-www-form-urlencoded", "connection_id=conn-1&topic=a&topic=b"));

        assertThat(problem.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(problem.message()).contains("'topic'", "2 times", "one topic per request");
    }

    @Test
    void aNumericConnectionIdIsReportedAsTheWrongTypeNotAsMissing() {
        Problem problem = problem(parse("application/json", "{\"connection_id\":123,\"topic\":\"a\"}"));

        assertThat(problem.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
        assertThat(problem.message()).isEqualTo("Field 'connection_id' must be a string, not number");
    }

    @Test
    void aWellFormedFormAndJsonBodyAreAccepted() {
        assertThat(parse("application/x-www-form-urlencoded", "connection_id=conn-1&topic=a"))
                .isEqualTo(new ControlRequest.Parsed.Valid(new ControlRequest("conn-1", "a", Filter.none())));
        assertThat(parse("application/json", "{\"connection_id\":\"conn-1\",\"topic\":\"a\"}"))
                .isEqualTo(new ControlRequest.Parsed.Valid(new ControlRequest("conn-1", "a", Filter.none())));
    }

    @Test
    void aMissingConnectionIdIsStillMissing() {
        assertThat(problem(parse("application/json", "{\"topic\":\"a\"}")).code()).isEqualTo(ErrorCode.MISSING_FIELD);
    }

    private static Problem problem(ControlRequest.Parsed parsed) {
        assertThat(parsed).isInstanceOf(ControlRequest.Parsed.Invalid.class);
        return ((ControlRequest.Parsed.Invalid) parsed).problem();
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
