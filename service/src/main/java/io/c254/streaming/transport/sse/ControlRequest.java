package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.transport.Json;
import io.c254.streaming.transport.PercentEncoding;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The body of `POST /sse/subscribe` and `/sse/unsubscribe`: `connection_id`, `topic` and, to subscribe,
 * optional `filters`; as a form (SPEC.md, filters as JSON text) or as a JSON object.
 */
record ControlRequest(String connectionId, String topic, Filter filter) {

    /** The parsed request, or the problem to refuse it with. */
    sealed interface Parsed {
        record Valid(ControlRequest request) implements Parsed {
        }

        record Invalid(Problem problem) implements Parsed {
        }
    }

    static Parsed parse(FullHttpRequest http, Filter.Limits limits) {
        String body = http.content().toString(StandardCharsets.UTF_8);
        String type = http.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        return type.startsWith(HttpHeaderValues.APPLICATION_JSON.toString()) ? fromJson(body, limits) : fromForm(body, limits);
    }

    private static final List<String> FIELDS = List.of("connection_id", "topic", "filters");

    private static Parsed fromForm(String body, Filter.Limits limits) {
        QueryStringDecoder form = new QueryStringDecoder(body, StandardCharsets.UTF_8, false);
        Optional<Problem> undecodable = PercentEncoding.problemIn(form, "The form body");
        if (undecodable.isPresent()) {
            return new Parsed.Invalid(undecodable.get());
        }
        for (String name : FIELDS) {
            List<String> values = form.parameters().get(name);
            if (values != null && values.size() > 1) {
                // taking the first silently would act on a request the client did not mean
                return refuse(ErrorCode.INVALID_MESSAGE, "Field '" + name + "' is given " + values.size() + " times; give it once"
                        + (name.equals("topic") ? " (one topic per request)" : ""));
            }
        }
        return build(first(form, "connection_id"), first(form, "topic"), StreamRequest.filterOf(first(form, "filters"), limits));
    }

    private static Parsed fromJson(String body, Filter.Limits limits) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return refuse(ErrorCode.INVALID_MESSAGE, "Body is not valid JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            return refuse(ErrorCode.INVALID_MESSAGE, "Body must be a JSON object with connection_id, topic and optional filters");
        }
        for (String name : List.of("connection_id", "topic")) {
            JsonNode value = json.get(name);
            if (value != null && !value.isNull() && !value.isTextual()) {
                return refuse(ErrorCode.INVALID_MESSAGE, "Field '" + name + "' must be a string, not "
                        + value.getNodeType().name().toLowerCase(Locale.ROOT));
            }
        }
        JsonNode filters = json.get("filters");
        Filter.Parsed filter = filters != null && filters.isTextual()
                ? StreamRequest.filterOf(filters.asText(), limits) : Filter.parse(filters, limits);
        return build(text(json, "connection_id"), text(json, "topic"), filter);
    }

    private static Parsed build(String connectionId, String topic, Filter.Parsed filter) {
        if (connectionId == null || connectionId.isBlank()) {
            return refuse(ErrorCode.MISSING_FIELD, "Field 'connection_id' is required: the id from the connection_established event");
        }
        if (topic == null || topic.isBlank()) {
            return refuse(ErrorCode.MISSING_FIELD, "Field 'topic' is required: the name of a registered topic");
        }
        return switch (filter) {
            case Filter.Parsed.Valid valid -> new Parsed.Valid(new ControlRequest(connectionId, topic, valid.filter()));
            case Filter.Parsed.Invalid invalid -> refuse(ErrorCode.INVALID_FILTER, "Field 'filters': " + invalid.reason());
        };
    }

    private static String first(QueryStringDecoder form, String name) {
        List<String> values = form.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String text(JsonNode json, String name) {
        JsonNode value = json.get(name);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static Parsed refuse(ErrorCode code, String message) {
        return new Parsed.Invalid(Problem.of(code, message));
    }
}
