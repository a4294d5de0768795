package io.c254.streaming.registry;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One topic clients may subscribe to. Its name is the Kafka topic's name.
 *
 * @param requiredRoles  a subscriber needs any one of these roles (the first is the one named to denied
 *                       clients); empty means any authenticated user
 * @param keyField       the top-level field that identifies a value (for `latest` topics); may be null
 * @param defaultTopic   every new connection is subscribed to it, when entitled
 * @param tenantSource   where records name their tenant on a tenant-scoped topic; null when the topic is shared
 */
public record TopicDefinition(String name, List<String> requiredRoles, TopicMode mode, String keyField, boolean defaultTopic,
                              TenantSource tenantSource) {

    /** Kafka's own rule for topic names (legal characters, at most 249 of them). */
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._\\-]{1,249}");

    public TopicDefinition {
        requiredRoles = List.copyOf(requiredRoles);
        if (!isLegalName(name)) {
            throw new IllegalArgumentException("topic name must be 1 to 249 of [a-zA-Z0-9._-] but was '" + name + "'");
        }
    }

    /** A topic every tenant shares. */
    public TopicDefinition(String name, List<String> requiredRoles, TopicMode mode, String keyField, boolean defaultTopic) {
        this(name, requiredRoles, mode, keyField, defaultTopic, null);
    }

    /** Records reach only connections of the tenant they name. */
    public boolean tenantScoped() {
        return tenantSource != null;
    }

    public static boolean isLegalName(String name) {
        return name != null && LEGAL_NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }
}
