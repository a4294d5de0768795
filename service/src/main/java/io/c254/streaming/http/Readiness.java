package io.c254.streaming.http;

import io.c254.streaming.ingest.KafkaStatus;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Whether a load balancer should send this instance new clients. An instance that does not consume
 * would accept streams and never deliver a record, and a draining one is about to close its streams:
 * either way a new client is better served by another replica. Liveness is a separate question
 * (see {@link AdminEndpoints}): none of these reasons is cured by restarting the process.
 */
final class Readiness {

    /** Why an instance is not ready; the lower-case name is the `reason` of `/health/ready`. */
    enum NotReady {
        DRAINING,
        KAFKA_UNREACHABLE,
        NO_KAFKA_PARTITIONS,
        LOADING_SNAPSHOTS;

        String reason() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Supplier<KafkaStatus> kafka;
    private volatile boolean draining;

    Readiness(Supplier<KafkaStatus> kafka) {
        this.kafka = kafka;
    }

    /** From now on the instance reports not ready, for good: shutdown has begun. */
    boolean draining() {
        return draining;
    }

    void startDraining() {
        draining = true;
    }

    /** Empty when ready; otherwise the first reason that keeps new clients away. */
    Optional<NotReady> check() {
        if (draining) {
            return Optional.of(NotReady.DRAINING);
        }
        KafkaStatus status = kafka.get();
        if (!status.reachable()) {
            return Optional.of(NotReady.KAFKA_UNREACHABLE);
        }
        // the consumer never creates topics: until a registered one exists there is nothing to stream
        if (status.assignedPartitions() == 0) {
            return Optional.of(NotReady.NO_KAFKA_PARTITIONS);
        }
        // a new subscriber would get part of a `latest` topic's current values
        if (!status.snapshotsLoaded()) {
            return Optional.of(NotReady.LOADING_SNAPSHOTS);
        }
        return Optional.empty();
    }
}
