package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A server-side filter: every field must match; a field matches one value (equality) or any of a list.
 * Fields are the top-level fields of the record's JSON value.
 *
 * @param allowed  field → canonical keys of the values it may take
 * @param source   the filter as the client wrote it, echoed in acknowledgements
 */
public record Filter(Map<String, Set<String>> allowed, ObjectNode source) {

    public static final int MAX_FIELDS = 16;
    public static final int MAX_VALUES = 256;

    /** How large a filter may be: fields, and values of all fields together. */
    public record Limits(int maxFields, int maxValues) {
        public static final Limits DEFAULT = new Limits(MAX_FIELDS, MAX_VALUES);
    }

    private static final Filter NONE = new Filter(Map.of(), JsonNodeFactory.instance.objectNode());

    public Filter {
        allowed = Map.copyOf(allowed);
    }

    public static Filter none() {
        return NONE;
    }

    public boolean isEmpty() {
        return allowed.isEmpty();
    }

    public boolean matches(ObjectNode value) {
        for (Map.Entry<String, Set<String>> field : allowed.entrySet()) {
            String key = ValueKey.of(value.get(field.getKey()));
            if (key == null || !field.getValue().contains(key)) {
                return false;
            }
        }
        return true;
    }

    /** The field to index this filter under: the one with the fewest values is the most selective. */
    String indexField() {
        return allowed.entrySet().stream()
                .min(Comparator.comparingInt((Map.Entry<String, Set<String>> e) -> e.getValue().size()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey)
                .orElseThrow();
    }

    /** Parses a client's filter object within the default limits; null or missing means no filter. */
    public static Parsed parse(JsonNode node) {
        return parse(node, Limits.DEFAULT);
    }

    public static Parsed parse(JsonNode node, Limits limits) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return new Parsed.Valid(NONE);
        }
        if (!node.isObject()) {
            return new Parsed.Invalid("filters must be an object of field to value or field to [values]");
        }
        if (node.size() > limits.maxFields()) {
            return new Parsed.Invalid("filters may name at most " + limits.maxFields() + " fields");
        }
        Map<String, Set<String>> allowed = new LinkedHashMap<>();
        int values = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().isEmpty()) {
                return new Parsed.Invalid("filter field names must not be empty");
            }
            Set<String> keys = new HashSet<>();
            String problem = collect(field.getKey(), field.getValue(), keys);
            if (problem != null) {
                return new Parsed.Invalid(problem);
            }
            values += keys.size();
            allowed.put(field.getKey(), Set.copyOf(keys));
        }
        if (values > limits.maxValues()) {
            return new Parsed.Invalid("filters may list at most " + limits.maxValues() + " values in all");
        }
        return new Parsed.Valid(new Filter(allowed, ((ObjectNode) node).deepCopy()));
    }

    private static String collect(String field, JsonNode value, Set<String> keys) {
        if (value.isArray()) {
            if (value.isEmpty()) {
                return "filter '" + field + "' must list at least one value";
            }
            for (JsonNode element : value) {
                String key = ValueKey.of(element);
                if (key == null) {
                    return "filter '" + field + "' may list only strings, numbers or booleans";
                }
                keys.add(key);
            }
            return null;
        }
        String key = ValueKey.of(value);
        if (key == null) {
            return "filter '" + field + "' must be a string, number, boolean or a list of them";
        }
        keys.add(key);
        return null;
    }

    /** The outcome of parsing: bad filters are an expected result, not an exception. */
    public sealed interface Parsed {
        record Valid(Filter filter) implements Parsed {
        }

        record Invalid(String reason) implements Parsed {
        }
    }
}
