package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;

/**
 * The canonical text of a JSON scalar, so that filter values and record fields compare by value and
 * type: "75.50" (a string) never matches 75.5 (a number), but 75.5 matches 75.50.
 */
final class ValueKey {

    private ValueKey() {
    }

    /** The key of a scalar node, or null for a missing field, null, an object or an array. */
    static String of(JsonNode node) {
        if (node == null) {
            return null;
        }
        return switch (node.getNodeType()) {
            case STRING -> "s:" + node.textValue();
            case BOOLEAN -> node.booleanValue() ? "b:true" : "b:false";
            case NUMBER -> "n:" + number(node);
            default -> null;
        };
    }

    private static String number(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return Long.toString(node.longValue());
        }
        if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
            // 1e400 parses to Infinity as a double and has no decimal form; it still compares equal to itself
            return Double.toString(node.doubleValue());
        }
        BigDecimal decimal = node.decimalValue().stripTrailingZeros();
        return decimal.scale() <= 0 && decimal.precision() - decimal.scale() <= 18
                ? Long.toString(decimal.longValueExact())
                : decimal.toPlainString();
    }
}
