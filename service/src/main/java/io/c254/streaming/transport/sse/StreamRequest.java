package io.c254.streaming.transport.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.session.ErrorCode;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.SubscribeOptions;
import io.c254.streaming.transport.Json;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What `GET /sse/stream` asks for at connect time (EventSource cannot POST): `topics` (comma-separated or
 * repeated) and `filters` (a JSON object). Filters apply to the listed topics, or to the default
 * topics when none are listed. A stream resumes from the cursor in the `Last-Event-ID` header (an
 * EventSource sends back the last event id by itself when it reconnects) or, failing that, the
 * `lastEventId` parameter. `max_rate` caps the messages a second of each `latest` topic (conflated, newest
 * value per key).
 */
record StreamRequest(List<String> topics, Filter filter, SubscribeOptions options) {

    static final int MAX_TOPICS = 64;
    private static final String LAST_EVENT_ID = "Last-Event-ID";

    /** The parsed request, or the problem to refuse it with. */
    sealed interface Parsed {
        record Valid(StreamRequest request) implements Parsed {
        }

        record Invalid(Problem problem) implements Parsed {
        }
    }

    static Parsed parse(QueryStringDecoder query, HttpHeaders headers, Filter.Limits limits) {
        Set<String> topics = new LinkedHashSet<>();
        for (String value : query.parameters().getOrDefault("topics", List.of())) {
            for (String topic : value.split(",")) {
                String name = topic.trim();
                if (name.isEmpty()) {
                    continue;
                }
                if (!TopicDefinition.isLegalName(name)) {
                    return refuse(ErrorCode.INVALID_MESSAGE, "Query parameter 'topics' holds an illegal topic name; expected [a-zA-Z0-9._-], at most 249");
                }
                topics.add(name);
            }
        }
        if (topics.size() > MAX_TOPICS) {
            return refuse(ErrorCode.INVALID_MESSAGE, "Query parameter 'topics' may list at most " + MAX_TOPICS + " topics");
        }
        Cursor resume = null;
        String header = headers.get(LAST_EVENT_ID);
        List<String> parameter = query.parameters().getOrDefault("lastEventId", List.of());
        String cursor = header != null && !header.isBlank() ? header.trim() : parameter.isEmpty() ? null : parameter.get(0);
        if (cursor != null && !cursor.isBlank()) {
            switch (Cursor.read(cursor)) {
                case Cursor.Read.Valid valid -> resume = valid.cursor();
                case Cursor.Read.Invalid bad -> {
                    return refuse(ErrorCode.INVALID_CURSOR, (header != null && !header.isBlank() ? "Header Last-Event-ID: " : "Query parameter 'lastEventId': ")
                            + bad.reason());
                }
            }
        }
        int maxRate = 0;
        List<String> rate = query.parameters().getOrDefault("max_rate", List.of());
        if (!rate.isEmpty()) {
            try {
                maxRate = Integer.parseInt(rate.get(0).trim());
            } catch (NumberFormatException e) {
                maxRate = -1;
            }
            if (maxRate < 1 || maxRate > SubscribeOptions.MAX_RATE) {
                return refuse(ErrorCode.INVALID_MESSAGE, "Query parameter 'max_rate' must be a whole number of messages a second from 1 to "
                        + SubscribeOptions.MAX_RATE);
            }
        }
        SubscribeOptions options = new SubscribeOptions(resume, maxRate);
        return switch (filter(query, limits)) {
            case Filter.Parsed.Valid valid -> new Parsed.Valid(new StreamRequest(List.copyOf(topics), valid.filter(), options));
            case Filter.Parsed.Invalid invalid -> refuse(ErrorCode.INVALID_FILTER, "Query parameter 'filters': " + invalid.reason());
        };
    }

    static Filter.Parsed filter(QueryStringDecoder query, Filter.Limits limits) {
        List<String> values = query.parameters().get("filters");
        return filterOf(values == null || values.isEmpty() ? null : values.get(0), limits);
    }

    /** Parses filters sent as JSON text (query parameters, form fields). */
    static Filter.Parsed filterOf(String json, Filter.Limits limits) {
        if (json == null || json.isBlank()) {
            return new Filter.Parsed.Valid(Filter.none());
        }
        try {
            return Filter.parse(Json.MAPPER.readTree(json), limits);
        } catch (JsonProcessingException e) {
            return new Filter.Parsed.Invalid("not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Parsed refuse(ErrorCode code, String message) {
        return new Parsed.Invalid(Problem.of(code, message));
    }
}
