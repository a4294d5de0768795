package io.c254.streaming.transport;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;

/** Where a client's token may be: `?token=` (EventSource and browsers' WebSocket cannot set headers) or a Bearer header. */
public final class Tokens {

    private static final String BEARER = "bearer ";

    private Tokens() {
    }

    public static String from(HttpRequest request, QueryStringDecoder query) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return header.substring(BEARER.length()).trim();
        }
        List<String> values = query.parameters().get("token");
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
