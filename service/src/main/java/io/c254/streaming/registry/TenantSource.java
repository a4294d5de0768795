package io.c254.streaming.registry;

/** Where a record of a tenant-scoped topic names its tenant: a Kafka record header or a top-level field of its value. */
public record TenantSource(Kind kind, String name) {

    public enum Kind {
        HEADER, FIELD
    }
}
