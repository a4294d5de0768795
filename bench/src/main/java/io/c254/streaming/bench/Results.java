package io.c254.streaming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The result lines of one benchmark session (bench/results/<timestamp>.jsonl), in the order they ran. */
final class Results {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> lines;

    private Results(List<JsonNode> lines) {
        this.lines = lines;
    }

    /** Lines that are not JSON (a generator that died mid-line) are left out with a warning. */
    static Results read(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String text : Files.readAllLines(file)) {
            if (text.isBlank()) {
                continue;
            }
            try {
                lines.add(JSON.readTree(text));
            } catch (IOException e) {
                System.err.println("warning: skipping a line that is not JSON: " + text);
            }
        }
        return new Results(lines);
    }

    List<JsonNode> scenario(String scenario) {
        return lines.stream().filter(line -> scenario.equals(line.path("scenario").asText())).toList();
    }

    List<JsonNode> steps(String scenario, String peer, String transport) {
        return scenario(scenario).stream()
                .filter(line -> peer.equals(line.path("peer").asText()) && transport.equals(line.path("transport").asText()))
                .toList();
    }

    Optional<JsonNode> step(String scenario, String peer, String transport, int rate) {
        return steps(scenario, peer, transport).stream().filter(line -> line.path("rate").asInt() == rate).findFirst();
    }

    Optional<JsonNode> first(String scenario, String peer) {
        return scenario(scenario).stream().filter(line -> peer.equals(line.path("peer").asText())).findFirst();
    }

    /** A number of a line, e.g. {@code number(line, "latency_ms", "p99")}; empty when missing or null. */
    static OptionalDouble number(JsonNode line, String... path) {
        JsonNode node = line;
        for (String name : path) {
            node = node.path(name);
        }
        return node.isNumber() ? OptionalDouble.of(node.asDouble()) : OptionalDouble.empty();
    }

    static boolean measured(JsonNode line) {
        return !line.has("skipped");
    }
}
