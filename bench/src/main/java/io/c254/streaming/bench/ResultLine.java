package io.c254.streaming.bench;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one JSON line a run prints: fields in the order they are put, missing figures as null. */
final class ResultLine {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();

    /** The fields that say what was run, first on every line. */
    static ResultLine describing(Options options) {
        ResultLine line = new ResultLine();
        line.root.put("scenario", options.scenario());
        line.root.put("peer", options.peer().name().toLowerCase(Locale.ROOT));
        line.root.put("transport", options.transport().name().toLowerCase(Locale.ROOT));
        line.root.put("subscribers", options.subscribers());
        return line;
    }

    ResultLine put(String name, long value) {
        root.put(name, value);
        return this;
    }

    ResultLine put(String name, double value) {
        root.put(name, round(value));
        return this;
    }

    ResultLine put(String name, boolean value) {
        root.put(name, value);
        return this;
    }

    ResultLine put(String name, String value) {
        root.put(name, value);
        return this;
    }

    ResultLine put(String name, OptionalLong value) {
        if (value.isPresent()) {
            root.put(name, value.getAsLong());
        } else {
            root.putNull(name);
        }
        return this;
    }

    ResultLine put(String name, OptionalDouble value) {
        if (value.isPresent()) {
            root.put(name, round(value.getAsDouble()));
        } else {
            root.putNull(name);
        }
        return this;
    }

    ResultLine put(String name, Map<String, Integer> counts) {
        ObjectNode node = root.putObject(name);
        counts.forEach(node::put);
        return this;
    }

    /** A nested object, e.g. one phase's figures. */
    ResultLine put(String name, ResultLine nested) {
        root.set(name, nested.root);
        return this;
    }

    ResultLine putCounts(String name, Map<String, Long> counts) {
        ObjectNode node = root.putObject(name);
        counts.forEach(node::put);
        return this;
    }

    ResultLine latency(String name, LatencySummary latency) {
        if (latency.empty()) {
            root.putNull(name);
            return this;
        }
        root.putObject(name)
                .put("p50", latency.p50())
                .put("p90", latency.p90())
                .put("p99", latency.p99())
                .put("p999", latency.p999())
                .put("max", latency.max());
        return this;
    }

    /** One field as JSON text, for a log line ("null" when missing). */
    String text(String name) {
        return String.valueOf(root.get(name));
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result line", e);
        }
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
