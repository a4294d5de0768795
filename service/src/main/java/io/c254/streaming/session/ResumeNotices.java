package io.c254.streaming.session;

import io.c254.streaming.hub.Gap;
import io.c254.streaming.hub.ResumeFrom;
import io.c254.streaming.metrics.StreamingMetrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What a resuming client is told besides its records: a `RESUME_GAP` for records retention removed, an `INVALID_CURSOR` for a cursor ahead of the topic. */
final class ResumeNotices implements ResumeFrom.Listener {

    private final Connection connection;
    private final StreamingMetrics metrics;

    ResumeNotices(Connection connection, StreamingMetrics metrics) {
        this.connection = connection;
        this.metrics = metrics;
    }

    @Override
    public void onGap(String topic, List<Gap> missing) {
        long count = missing.stream().mapToLong(Gap::count).sum();
        metrics.resumeGap(count);
        connection.notify(new Problem(ErrorCode.RESUME_GAP,
                count + " records of topic " + topic + " were removed by retention before they could be replayed ("
                        + describe(missing) + "); the records after them follow",
                Map.of("topic", topic, "missing", count, "partitions", partitions(missing))));
    }

    @Override
    public void onAhead(String topic, List<Gap> beyondEnd) {
        connection.notify(new Problem(ErrorCode.INVALID_CURSOR,
                "The resume cursor is ahead of the end of topic " + topic + " (" + describe(beyondEnd)
                        + "): was the topic recreated? Those partitions go on from their end",
                Map.of("topic", topic, "partitions", partitions(beyondEnd))));
    }

    private static String describe(List<Gap> gaps) {
        return gaps.stream().map(gap -> "partition " + gap.partition() + " offsets " + gap.from() + " to " + (gap.to() - 1))
                .collect(Collectors.joining(", "));
    }

    private static List<Map<String, Object>> partitions(List<Gap> gaps) {
        return gaps.stream().map(gap -> {
            Map<String, Object> partition = new LinkedHashMap<>();
            partition.put("partition", gap.partition());
            partition.put("first_offset", gap.from());
            partition.put("last_offset", gap.to() - 1);
            partition.put("count", gap.count());
            return partition;
        }).toList();
    }
}
