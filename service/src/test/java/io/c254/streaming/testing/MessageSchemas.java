package io.c254.streaming.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The schemas of `api/asyncapi.yaml`, by name, so that the test clients check every message they
 * receive against the published description: the file stays true because every integration test
 * exercises it.
 */
public final class MessageSchemas {

    public static final Path ASYNCAPI = ProjectFiles.root().resolve("api/asyncapi.yaml");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode COMPONENTS = load();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private MessageSchemas() {
    }

    /** What is wrong with the message for the schema of that name: empty when it fits; one line when there is no such schema. */
    public static List<String> violations(String schemaName, JsonNode message) {
        if (!COMPONENTS.path("schemas").has(schemaName)) {
            return List.of("api/asyncapi.yaml has no schema " + schemaName + " for " + message);
        }
        Schema schema = SCHEMAS.computeIfAbsent(schemaName, MessageSchemas::compile);
        List<Error> errors = schema.validate(message);
        return errors.stream().map(error -> schemaName + ": " + error + " in " + message).toList();
    }

    private static Schema compile(String schemaName) {
        ObjectNode root = JSON.createObjectNode().put("$ref", "#/components/schemas/" + schemaName);
        root.set("components", COMPONENTS);
        return REGISTRY.getSchema(root);
    }

    private static JsonNode load() {
        try {
            return new YAMLMapper().readTree(ASYNCAPI.toFile()).path("components");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ASYNCAPI, e);
        }
    }
}
