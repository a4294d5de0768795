package io.c254.streaming.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.c254.streaming.config.Config;
import io.c254.streaming.config.ConfigException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The topics this gateway serves: SPEC.md's three built in, plus those of an optional YAML file. */
public final class TopicRegistry {

    public static final String LATEST_PRICES = "served.market.latest_prices.v1";
    public static final String CURVE_UPDATES = "pricing.curve.updates.v1";
    public static final String MARKET_DATA = "market.data.updates.v1";

    private static final String REGISTRY_VARIABLE = "ACCESS_TOPIC_REGISTRY_FILE";
    private static final Set<String> KNOWN_KEYS =
            Set.of("name", "required_roles", "mode", "key_field", "default", "tenant_scoped", "tenant_field", "tenant_header");

    private final Map<String, TopicDefinition> topics;

    private TopicRegistry(Map<String, TopicDefinition> topics) {
        this.topics = Map.copyOf(topics);
    }

    public static TopicRegistry load(Config config) {
        Map<String, TopicDefinition> topics = new LinkedHashMap<>();
        for (TopicDefinition topic : builtIn()) {
            topics.put(topic.name(), topic);
        }
        config.topicRegistryFile().ifPresent(file -> readFile(file).forEach(t -> topics.put(t.name(), t)));
        return new TopicRegistry(topics);
    }

    /** The SPEC.md topics. Viewers see served prices; curves and normalized feeds are for analysts and traders. */
    static List<TopicDefinition> builtIn() {
        return List.of(
                new TopicDefinition(LATEST_PRICES, List.of("viewer", "analyst", "trader", "admin"), TopicMode.LATEST, "instrument_id", true),
                new TopicDefinition(CURVE_UPDATES, List.of("analyst", "trader", "admin"), TopicMode.STREAM, "curve_id", false),
                new TopicDefinition(MARKET_DATA, List.of("analyst", "trader", "admin"), TopicMode.STREAM, "instrument_id", false));
    }

    public Optional<TopicDefinition> find(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Collection<TopicDefinition> topics() {
        return topics.values();
    }

    public List<TopicDefinition> defaultTopics() {
        return topics.values().stream().filter(TopicDefinition::defaultTopic).toList();
    }

    private static List<TopicDefinition> readFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(REGISTRY_VARIABLE, "cannot parse " + file + " as YAML: " + firstLine(e.getMessage()));
        }
        JsonNode list = root == null ? null : root.get("topics");
        if (list == null || !list.isArray()) {
            throw new ConfigException(REGISTRY_VARIABLE, file + " must have a top-level 'topics:' list");
        }
        List<TopicDefinition> topics = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            topics.add(readTopic(file, i, list.get(i)));
        }
        return topics;
    }

    private static TopicDefinition readTopic(Path file, int index, JsonNode node) {
        String where = file + " topics[" + index + "]";
        if (!node.isObject()) {
            throw new ConfigException(REGISTRY_VARIABLE, where + " must be a mapping with at least 'name'");
        }
        node.fieldNames().forEachRemaining(key -> {
            if (!KNOWN_KEYS.contains(key)) {
                throw new ConfigException(REGISTRY_VARIABLE, where + " has unknown key '" + key + "'; expected " + KNOWN_KEYS);
            }
        });
        String name = node.path("name").asText(null);
        if (!TopicDefinition.isLegalName(name)) {
            throw new ConfigException(REGISTRY_VARIABLE, where + ".name must be a Kafka topic name ([a-zA-Z0-9._-], at most 249)");
        }
        JsonNode isDefault = node.path("default");
        if (!isDefault.isMissingNode() && !isDefault.isBoolean()) {
            throw new ConfigException(REGISTRY_VARIABLE, where + ".default must be true or false");
        }
        return new TopicDefinition(name, roles(where, node.path("required_roles")), mode(where, node.path("mode")),
                node.path("key_field").asText(null), isDefault.asBoolean(false), tenantSource(where, node));
    }

    private static List<String> roles(String where, JsonNode node) {
        Set<String> roles = new LinkedHashSet<>();
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ConfigException(REGISTRY_VARIABLE, where + ".required_roles must be a list of role names");
        }
        node.forEach(role -> roles.add(role.asText()));
        return List.copyOf(roles);
    }

    /** `tenant_scoped: true` with `tenant_header: X` or `tenant_field: Y` (default: the field tenant_id). */
    private static TenantSource tenantSource(String where, JsonNode node) {
        JsonNode scoped = node.path("tenant_scoped");
        if (!scoped.isMissingNode() && !scoped.isBoolean()) {
            throw new ConfigException(REGISTRY_VARIABLE, where + ".tenant_scoped must be true or false");
        }
        boolean hasHeader = node.has("tenant_header");
        boolean hasField = node.has("tenant_field");
        if (!scoped.asBoolean(false)) {
            if (hasHeader || hasField) {
                throw new ConfigException(REGISTRY_VARIABLE, where + " names a tenant source but is not tenant_scoped: true");
            }
            return null;
        }
        if (hasHeader && hasField) {
            throw new ConfigException(REGISTRY_VARIABLE, where + " may name tenant_header or tenant_field, not both");
        }
        return hasHeader
                ? new TenantSource(TenantSource.Kind.HEADER, node.get("tenant_header").asText())
                : new TenantSource(TenantSource.Kind.FIELD, node.path("tenant_field").asText("tenant_id"));
    }

    private static TopicMode mode(String where, JsonNode node) {
        String raw = node.asText("stream").toLowerCase(Locale.ROOT);
        return switch (raw) {
            case "stream" -> TopicMode.STREAM;
            case "latest" -> TopicMode.LATEST;
            default -> throw new ConfigException(REGISTRY_VARIABLE, where + ".mode must be 'stream' or 'latest' but was '" + raw + "'");
        };
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
