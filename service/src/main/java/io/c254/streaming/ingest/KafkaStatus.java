package io.c254.streaming.ingest;

import java.util.List;

/**
 * What the ingest knows of Kafka, for /health and /stats.
 *
 * @param reachable          the last metadata request to the cluster succeeded
 * @param assignedPartitions partitions being consumed
 * @param topics             registered topics that exist in the cluster
 * @param messagesConsumed   records read since start, valid or not
 * @param invalidSkipped     records skipped because their value is not a JSON object
 * @param withoutTenantDropped records of tenant-scoped topics dropped because they named no tenant
 * @param snapshotsLoaded    the `latest` topics were read from their start, so new subscribers get every current value
 */
public record KafkaStatus(boolean reachable, int assignedPartitions, List<String> topics, long messagesConsumed, long invalidSkipped,
                          long withoutTenantDropped, boolean snapshotsLoaded) {
}
