package io.c254.streaming.bench;

import java.util.List;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;

/** What every scenario section shares: its heading, the Target paragraph, and the commands behind its figures. */
final class SectionWriter {

    private final StringBuilder out = new StringBuilder();
    private final String generatorCommand;

    SectionWriter(String generatorCommand) {
        this.generatorCommand = generatorCommand;
    }

    SectionWriter heading(String text) {
        out.append("## ").append(text).append("\n\n");
        return this;
    }

    SectionWriter paragraph(String text) {
        out.append(text).append("\n\n");
        return this;
    }

    SectionWriter table(MarkdownTable table) {
        out.append(table.isEmpty() ? "_No figures: this scenario did not run._\n" : table.render()).append('\n');
        return this;
    }

    /** The target as the issue states it, whether the figures meet it, and room for the analysis. */
    SectionWriter target(String target, String figures, Verdict verdict) {
        out.append("**Target**: ").append(target).append(' ').append(figures).append(" Target ").append(verdict.text())
                .append(".\n\n_Analysis: to be written with the figures of a quiet machine._\n\n");
        return this;
    }

    /** The exact load-generator command of each line. */
    SectionWriter commands(List<JsonNode> lines) {
        if (lines.isEmpty()) {
            return this;
        }
        out.append("<details><summary>Commands</summary>\n\n");
        for (JsonNode line : lines) {
            out.append("- ").append(line.path("peer").asText()).append(' ').append(line.path("transport").asText())
                    .append(", rate ").append(line.path("rate").asInt()).append(": `")
                    .append(generatorCommand).append(' ').append(line.path("args").asText()).append("`\n");
        }
        out.append("\n</details>\n\n");
        return this;
    }

    String text() {
        return out.toString();
    }

    // ---- figures of one line, formatted ---------------------------------------------------------

    /** The subscriber count of a scenario's lines for its heading (a smoke run has fewer), else the issue's. */
    static String subscribers(List<JsonNode> lines, int issueCount) {
        int count = lines.stream().mapToInt(line -> line.path("subscribers").asInt()).filter(n -> n > 0).findFirst().orElse(issueCount);
        return MarkdownTable.format(count, 0);
    }

    static String ms(JsonNode line, String field, String percentile) {
        return MarkdownTable.format(Results.number(line, field, percentile), 2);
    }

    static String count(JsonNode line, String field) {
        return MarkdownTable.format(Results.number(line, field), 0);
    }

    static String decimal(JsonNode line, String field, int decimals) {
        return MarkdownTable.format(Results.number(line, field), decimals);
    }

    static String deliveredOfExpected(JsonNode line) {
        return count(line, "delivered") + " / " + count(line, "expected");
    }

    static String loss(JsonNode line) {
        return count(line, "loss") + " (" + decimal(line, "loss_pct", 3) + " %)";
    }

    static String connected(JsonNode line) {
        return count(line, "connected_ok") + " / " + count(line, "subscribers");
    }

    static String ratio(OptionalDouble numerator, OptionalDouble denominator) {
        if (numerator.isEmpty() || denominator.isEmpty() || denominator.getAsDouble() == 0) {
            return MarkdownTable.MISSING;
        }
        return MarkdownTable.format(numerator.getAsDouble() / denominator.getAsDouble(), 2);
    }
}
