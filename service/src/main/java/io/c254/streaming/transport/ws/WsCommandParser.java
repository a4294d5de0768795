package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.SubscribeOptions;
import io.c254.streaming.transport.Json;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses `{"action": ..., "data": {...}}` frames. Every mistake becomes an {@link WsCommand.Invalid} naming it. */
final class WsCommandParser {

    static final int MAX_TOPICS_PER_REQUEST = 64;

    private WsCommandParser() {
    }

    static WsCommand parse(String text) {
        return parse(text, Filter.Limits.DEFAULT);
    }

    static WsCommand parse(String text, Filter.Limits limits) {
        JsonNode frame;
        try {
            frame = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return invalid(ErrorCode.INVALID_MESSAGE, "Frame is not valid JSON: " + e.getOriginalMessage());
        }
        if (frame == null || !frame.isObject()) {
            return invalid(ErrorCode.INVALID_MESSAGE, "Frame must be a JSON object like {\"action\":\"subscribe\",\"data\":{\"topics\":[...]}}");
        }
        JsonNode action = frame.get("action");
        if (action == null || !action.isTextual() || action.asText().isEmpty()) {
            return invalid(ErrorCode.MISSING_FIELD, "Field 'action' is required: one of subscribe, unsubscribe, ping, refresh");
        }
        JsonNode data = frame.path("data");
        return switch (action.asText()) {
            case "subscribe" -> subscribe(data, limits);
            case "unsubscribe" -> unsubscribe(data);
            case "ping" -> new WsCommand.Ping();
            case "refresh" -> refresh(data);
            default -> invalid(ErrorCode.UNKNOWN_ACTION,
                    "Unknown action '" + action.asText() + "'; expected subscribe, unsubscribe, ping or refresh");
        };
    }

    private static WsCommand subscribe(JsonNode data, Filter.Limits limits) {
        TopicList topics = topics(data);
        if (topics.error() != null) {
            return topics.error();
        }
        Cursor resume = null;
        JsonNode cursor = data.get("resume");
        if (cursor != null && !cursor.isNull()) {
            if (!cursor.isTextual()) {
                return invalid(ErrorCode.INVALID_CURSOR, "Field 'data.resume' must be the cursor of the last data message received, a string");
            }
            switch (Cursor.read(cursor.asText())) {
                case Cursor.Read.Valid valid -> resume = valid.cursor();
                case Cursor.Read.Invalid bad -> {
                    return invalid(ErrorCode.INVALID_CURSOR, "Field 'data.resume': " + bad.reason());
                }
            }
        }
        int maxRate = 0;
        JsonNode rate = data.get("max_rate");
        if (rate != null && !rate.isNull()) {
            if (!rate.canConvertToInt() || !rate.isIntegralNumber() || rate.asInt() < 1 || rate.asInt() > SubscribeOptions.MAX_RATE) {
                return invalid(ErrorCode.INVALID_MESSAGE, "Field 'data.max_rate' must be a whole number of messages a second from 1 to "
                        + SubscribeOptions.MAX_RATE + "; got " + abbreviate(rate.toString()));
            }
            maxRate = rate.asInt();
        }
        SubscribeOptions options = new SubscribeOptions(resume, maxRate);
        return switch (Filter.parse(data.get("filters"), limits)) {
            case Filter.Parsed.Valid valid -> new WsCommand.Subscribe(topics.names(), valid.filter(), options);
            case Filter.Parsed.Invalid bad -> invalid(ErrorCode.INVALID_FILTER, "Invalid filters: " + bad.reason());
        };
    }

    private static WsCommand refresh(JsonNode data) {
        JsonNode token = data.get("token");
        return token != null && token.isTextual() && !token.asText().isBlank()
                ? new WsCommand.Refresh(token.asText())
                : invalid(ErrorCode.MISSING_FIELD, "Field 'data.token' is required: the new token");
    }

    private static WsCommand unsubscribe(JsonNode data) {
        TopicList topics = topics(data);
        return topics.error() != null ? topics.error() : new WsCommand.Unsubscribe(topics.names());
    }

    /** The names of `data.topics`, or the Invalid command explaining what is wrong with them. */
    private record TopicList(List<String> names, WsCommand.Invalid error) {
        static TopicList of(WsCommand.Invalid error) {
            return new TopicList(List.of(), error);
        }
    }

    private static TopicList topics(JsonNode data) {
        JsonNode topics = data.get("topics");
        if (!data.isObject() || topics == null || !topics.isArray() || topics.isEmpty()) {
            return TopicList.of(invalid(ErrorCode.MISSING_FIELD, "Field 'data.topics' is required: a non-empty list of topic names"));
        }
        if (topics.size() > MAX_TOPICS_PER_REQUEST) {
            return TopicList.of(invalid(ErrorCode.INVALID_MESSAGE, "At most " + MAX_TOPICS_PER_REQUEST + " topics per request"));
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode topic : topics) {
            if (!topic.isTextual() || !TopicDefinition.isLegalName(topic.asText())) {
                String shown = topic.isTextual() ? topic.asText() : topic.toString();
                return TopicList.of(new WsCommand.Invalid(new Problem(ErrorCode.INVALID_MESSAGE,
                        "Topic names are strings of [a-zA-Z0-9._-] (at most 249); got " + abbreviate(shown),
                        Map.of("topic", abbreviate(shown)))));
            }
            names.add(topic.asText());
        }
        return new TopicList(List.copyOf(names), null);
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    private static WsCommand.Invalid invalid(ErrorCode code, String message) {
        return new WsCommand.Invalid(Problem.of(code, message));
    }
}
