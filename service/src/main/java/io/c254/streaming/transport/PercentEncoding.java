package io.c254.streaming.transport;

import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.Optional;

/**
 * Query strings and form bodies are percent-encoded (RFC 3986 section 2.1). Netty's decoder throws on a
 * `%` without two hex digits after it, whenever the path or parameters are first read. The router checks
 * every request's path and query here, and the control calls their form bodies, before anything reads
 * them, so that such a request is refused like any other malformed one, before anything is retained or
 * started for it.
 */
public final class PercentEncoding {

    private PercentEncoding() {
    }

    /**
     * @param what names the text in the refusal ("The query string")
     * @return the problem to refuse the request with, or empty when every parameter decodes
     */
    public static Optional<Problem> problemIn(QueryStringDecoder decoder, String what) {
        try {
            decoder.path();
            decoder.parameters();
            return Optional.empty();
        } catch (IllegalArgumentException undecodable) {
            // the decoder's own message quotes the text, which may hold a token: it is not repeated
            return Optional.of(Problem.of(ErrorCode.INVALID_MESSAGE,
                    what + " is not valid percent-encoding: every % must be followed by two hex digits"));
        }
    }
}
