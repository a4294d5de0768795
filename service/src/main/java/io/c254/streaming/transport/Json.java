package io.c254.streaming.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.session.Problem;

/** The JSON of control messages and HTTP bodies (not of data frames: those are built by the wire formats). */
public final class Json {

    /** Rejects trailing content: `{"action":"ping"} junk` is not a ping. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** `{"error": CODE, "message": ..., "details": {...}}`, the SPEC.md error shape without its `type`. */
    public static ObjectNode problem(Problem problem) {
        ObjectNode body = object().put("error", problem.code().name()).put("message", problem.message());
        if (!problem.details().isEmpty()) {
            ObjectNode details = body.putObject("details");
            problem.details().forEach((name, value) -> details.set(name, MAPPER.valueToTree(value)));
        }
        return body;
    }

    public static String write(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree must serialize", e);
        }
    }
}
