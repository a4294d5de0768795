package io.c254.streaming.transport.ws;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c254.streaming.hub.Filter;
import io.c254.streaming.session.Problem;
import io.c254.streaming.session.Session;
import io.c254.streaming.transport.Json;

import java.util.List;

/** The server's control messages (SPEC.md "Server → Client"; acknowledgements as DESIGN.md decides). */
final class WsMessages {

    private WsMessages() {
    }

    static String connectionEstablished(Session session) {
        return Json.write(Json.object()
                .put("type", "connection_established")
                .put("connection_id", session.id())
                .put("user_id", session.userId())
                .put("tenant_id", session.tenantId()));
    }

    /** @param cursor where the connection starts: over every topic it holds, resuming ones at the cursor they resume from */
    static String subscribed(List<String> topics, Filter filter, String cursor) {
        ObjectNode message = Json.object().put("type", "subscribed");
        topicArray(message, topics);
        message.set("filters", filter.source());
        message.put("cursor", cursor);
        return Json.write(message);
    }

    static String unsubscribed(List<String> topics) {
        ObjectNode message = Json.object().put("type", "unsubscribed");
        topicArray(message, topics);
        return Json.write(message);
    }

    static String refreshed(java.time.Instant expiresAt) {
        ObjectNode message = Json.object().put("type", "refreshed");
        if (expiresAt != null) {
            message.put("expires_at", expiresAt.getEpochSecond());
        }
        return Json.write(message);
    }

    static String pong() {
        return Json.write(Json.object().put("type", "pong").put("timestamp", System.currentTimeMillis()));
    }

    /** SPEC.md's error message: `type` first, then the shared error body. */
    static String error(Problem problem) {
        ObjectNode message = Json.object().put("type", "error");
        message.setAll(Json.problem(problem));
        return Json.write(message);
    }

    private static void topicArray(ObjectNode message, List<String> topics) {
        ArrayNode array = message.putArray("topics");
        topics.forEach(array::add);
    }
}
