package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.config.Config.KafkaSettings;
import io.c254.streaming.config.Config.OffsetReset;
import io.c254.streaming.hub.Dispatcher;
import io.c254.streaming.hub.LatestValues;
import io.c254.streaming.hub.Message;
import io.c254.streaming.hub.Positions;
import io.c254.streaming.metrics.StreamingMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one Kafka consumer of an instance. It assigns itself every partition of every registered topic
 * (no group split: each replica must see all data, or its clients would miss the rest), dispatches each
 * poll's records as one batch, and keeps going through broker restarts and bad records.
 */
public final class KafkaIngest implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaIngest.class);

    /** How often partitions are looked up again, so topics and partitions created later are picked up. */
    static final Duration METADATA_REFRESH = Duration.ofSeconds(3);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    private final TopicRegistry registry;
    private final Dispatcher dispatcher;
    private final LatestValues latestValues;
    /** Partitions of `latest` topics read from their start for the snapshot: below these offsets records are not live; ingest thread only. */
    private final Map<TopicPartition, Long> liveFrom = new HashMap<>();
    private volatile boolean snapshotsLoaded;
    private final KafkaSettings settings;
    private final RecordDecoder decoder;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaClientMetrics clientMetrics;
    /** Position and lag of each assigned partition, as of the last poll; written by the ingest thread only. */
    private final Map<TopicPartition, PartitionGauges> progress = new ConcurrentHashMap<>();
    /** Records read per topic, valid or not, counted once per partition and poll (not per record). */
    private final Map<String, AtomicLong> readByTopic = new ConcurrentHashMap<>();
    private final StreamingMetrics metrics;
    private final Thread thread;
    private final CountDownLatch firstAssignment = new CountDownLatch(1);

    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong withoutTenant = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean reachable;
    private volatile Set<TopicPartition> assigned = Set.of();
    /** Per topic, the next offset of each assigned partition, moved past each record as it is decoded; ingest thread only. */
    private final Map<String, long[]> nextOffsets = new HashMap<>();
    private long nextRefreshNanos;
    private boolean failing;

    public KafkaIngest(KafkaSettings settings, String instanceId, TopicRegistry registry, Dispatcher dispatcher, ObjectMapper json,
                       StreamingMetrics metrics, ProducerSpans producerSpans) {
        this(settings, instanceId, registry, dispatcher, LatestValues.NONE, json, metrics, producerSpans);
    }

    /** @param latestValues kept current with every record of the `latest` topics, read from their start at start-up */
    public KafkaIngest(KafkaSettings settings, String instanceId, TopicRegistry registry, Dispatcher dispatcher, LatestValues latestValues,
                       ObjectMapper json, StreamingMetrics metrics, ProducerSpans producerSpans) {
        this.latestValues = latestValues;
        this.metrics = metrics;
        this.settings = settings;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.decoder = RecordDecoder.forRegistry(json, registry, producerSpans);
        this.consumer = new KafkaConsumer<>(consumerProperties(settings, instanceId));
        // the client's own metrics, lag per topic and partition among them (records-lag)
        this.clientMetrics = new KafkaClientMetrics(consumer);
        clientMetrics.bindTo(metrics.registry());
        this.thread = Thread.ofPlatform().name("kafka-ingest").daemon().unstarted(this::run);
    }

    static Map<String, Object> consumerProperties(KafkaSettings settings, String instanceId) {
        Map<String, Object> props = new HashMap<>(settings.clientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        // group.id only records positions so that lag shows in Kafka tooling; partitions are assigned, not balanced
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupIdPrefix() + "-" + instanceId);
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streaming-" + instanceId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, settings.enableAutoCommit());
        // every partition is positioned by an explicit seek (see position); a position the log no longer has
        // (a topic deleted and created again, retention past an instance that fell behind) is ours to decide, not reset
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    public void start() {
        thread.start();
    }

    /** Waits until partitions are assigned and positioned, so records produced from then on are delivered. */
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return firstAssignment.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStatus status() {
        Set<String> topics = new TreeSet<>();
        assigned.forEach(tp -> topics.add(tp.topic()));
        long consumed = readByTopic.values().stream().mapToLong(AtomicLong::get).sum();
        return new KafkaStatus(reachable, assigned.size(), List.copyOf(topics), consumed, invalid.get(), withoutTenant.get(),
                snapshotsLoaded);
    }

    private void run() {
        try {
            while (running) {
                pollOnce();
            }
        } finally {
            closeConsumer();
        }
    }

    private void pollOnce() {
        try {
            if (System.nanoTime() - nextRefreshNanos >= 0) {
                refreshAssignment();
                nextRefreshNanos = System.nanoTime() + METADATA_REFRESH.toNanos();
            }
            if (assigned.isEmpty()) {
                sleep(POLL_TIMEOUT);
                return;
            }
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
            updateLags();
            countByTopic(records);
            if (!records.isEmpty()) {
                Positions before = Positions.of(nextOffsets);
                List<Message> batch = decode(records);
                long started = System.nanoTime();
                dispatcher.dispatch(batch, before);
                metrics.fanOutBatch(System.nanoTime() - started);
            }
            onHealthy();
        } catch (WakeupException stopping) {
            // close() woke us; the loop condition ends the thread
        } catch (OffsetOutOfRangeException moved) {
            onLogMoved(moved.offsetOutOfRangePartitions());
        } catch (KafkaException | IllegalStateException e) {
            onFailure(e);
        } catch (RuntimeException e) {
            // a bug must not end the only consumer thread: the instance would silently stop streaming
            log.error("unexpected failure in the ingest loop; continuing", e);
            sleep(RETRY_BACKOFF);
        }
    }

    /**
     * The log no longer holds the position the consumer was at. Past its end, the topic was deleted and
     * created again (or truncated): everything in it is new, so it is read from its start. Before its start,
     * retention removed records this instance had not read yet: it goes on from the oldest still there, and
     * says how many were lost. Either way nothing that Kafka still holds is skipped.
     */
    private void onLogMoved(Map<TopicPartition, Long> positions) {
        consumer.seekToBeginning(positions.keySet());
        positions.forEach((partition, was) -> {
            long start = consumer.position(partition, METADATA_TIMEOUT);
            Positions.moveTo(nextOffsets, partition.topic(), partition.partition(), start);
            if (was > start) {
                log.warn("partition {} no longer has offset {} (deleted and created again, or truncated): reading its new log from offset {}",
                        partition, was, start);
            } else {
                log.warn("partition {} lost offsets {} to {} to retention before this instance read them: going on from {}",
                        partition, was, start - 1, start);
            }
        });
        // cursors written from here on point into the new log
        dispatcher.dispatch(List.of(), Positions.of(nextOffsets));
    }

    /** Publishes each partition's position and lag; currentLag answers from what the last fetch learned, no request to the broker. */
    private void updateLags() {
        progress.forEach((partition, gauges) -> {
            consumer.currentLag(partition).ifPresent(gauges.lag::set);
            gauges.position.set(nextOffset(partition));
        });
    }

    private void countByTopic(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            readByTopic.computeIfAbsent(partition.topic(), t -> new AtomicLong()).addAndGet(records.records(partition).size());
        }
    }

    /** Records of a topic read from Kafka since start, valid or not. */
    public long recordsRead(String topic) {
        AtomicLong read = readByTopic.get(topic);
        return read == null ? 0 : read.get();
    }

    /** Every partition consumed, in topic and partition order, with its position and lag as of the last poll. */
    public List<PartitionProgress> partitions() {
        return progress.entrySet().stream()
                .map(e -> new PartitionProgress(e.getKey().topic(), e.getKey().partition(), e.getValue().position.get(), e.getValue().lag()))
                .sorted(Comparator.comparing(PartitionProgress::topic).thenComparingInt(PartitionProgress::partition))
                .toList();
    }

    private void exposeLag(Set<TopicPartition> added) {
        for (TopicPartition partition : added) {
            PartitionGauges gauges = progress.computeIfAbsent(partition, p -> new PartitionGauges());
            metrics.exposeGauge("kafka.consumer.lag", "Records between the gateway's position and the end of the partition",
                    gauges, PartitionGauges::lag, "topic", partition.topic(), "partition", Integer.toString(partition.partition()));
        }
    }

    private List<Message> decode(ConsumerRecords<byte[], byte[]> records) {
        List<Message> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            // a record skipped as invalid is behind the cursors of every later batch too
            Positions.moveTo(nextOffsets, record.topic(), record.partition(), record.offset() + 1);
            switch (decoder.decode(record)) {
                case RecordDecoder.Decoded.Accepted accepted -> {
                    latestValues.update(accepted.message());
                    if (isLive(record)) {
                        batch.add(accepted.message());
                    }
                }
                case RecordDecoder.Decoded.Rejected rejected -> onRejected(record, rejected.rejection());
            }
        }
        if (!liveFrom.isEmpty()) {
            liveFrom.entrySet().removeIf(start -> nextOffset(start.getKey()) >= start.getValue());
            if (liveFrom.isEmpty()) {
                onSnapshotsLoaded();
            }
        }
        return batch;
    }

    /** A record of a `latest` topic from before start-up is read for the snapshot only: clients get it as a current value. */
    private boolean isLive(ConsumerRecord<byte[], byte[]> record) {
        if (liveFrom.isEmpty()) {
            return true;
        }
        Long start = liveFrom.get(new TopicPartition(record.topic(), record.partition()));
        return start == null || record.offset() >= start;
    }

    private long nextOffset(TopicPartition partition) {
        long[] offsets = nextOffsets.get(partition.topic());
        return offsets == null || offsets.length <= partition.partition() ? 0 : offsets[partition.partition()];
    }

    private void onSnapshotsLoaded() {
        snapshotsLoaded = true;
        for (String topic : latestValues.topics()) {
            log.info("snapshot of {} loaded: {} current values", topic, latestValues.keys(topic));
        }
    }

    private void onRejected(ConsumerRecord<byte[], byte[]> record, RecordDecoder.Rejection rejection) {
        long count = (rejection == RecordDecoder.Rejection.NO_TENANT ? withoutTenant : invalid).incrementAndGet();
        // one line per power of two keeps a stream of garbage from flooding the log
        if (Long.bitCount(count) == 1) {
            String why = rejection == RecordDecoder.Rejection.NO_TENANT
                    ? "names no tenant on a tenant-scoped topic" : "has a value that is not a JSON object";
            log.warn("skipped a record that {}: topic={} partition={} offset={} (skipped so far: {})",
                    why, record.topic(), record.partition(), record.offset(), count);
        }
    }

    private void refreshAssignment() {
        // listTopics always asks the cluster (partitionsFor may answer from a cache), so this also
        // tells whether Kafka is reachable, and sees new topics and partitions at once
        Map<String, List<PartitionInfo>> cluster = consumer.listTopics(METADATA_TIMEOUT);
        Set<TopicPartition> discovered = new HashSet<>();
        for (TopicDefinition topic : registry.topics()) {
            cluster.getOrDefault(topic.name(), List.of()).forEach(p -> discovered.add(new TopicPartition(p.topic(), p.partition())));
        }
        reachable = true;
        if (discovered.equals(assigned)) {
            markAssigned();
            return;
        }
        Set<TopicPartition> added = new HashSet<>(discovered);
        added.removeAll(assigned);
        boolean initial = firstAssignment.getCount() > 0;
        consumer.assign(discovered);
        position(added, initial);
        // a subscriber of a loop that has had no batch yet starts from here
        dispatcher.dispatch(List.of(), Positions.of(nextOffsets));
        exposeLag(added);
        assigned = Set.copyOf(discovered);
        log.info("consuming {} partitions of {} registered topics ({} new)", discovered.size(), registry.topics().size(), added.size());
        markAssigned();
    }

    /**
     * Partitions present at start begin where configured (latest by default). Partitions that appear later
     * are new: everything in them was written after we started, so they begin at their start.
     */
    private void position(Set<TopicPartition> added, boolean initial) {
        if (added.isEmpty()) {
            return;
        }
        if (initial && settings.autoOffsetReset() == OffsetReset.LATEST) {
            // `latest` topics are read from their start for their current values; their live records begin at the end
            Set<TopicPartition> snapshot = new HashSet<>();
            added.stream().filter(p -> latestValues.holds(p.topic())).forEach(snapshot::add);
            Set<TopicPartition> live = new HashSet<>(added);
            live.removeAll(snapshot);
            consumer.seekToEnd(live);
            if (!snapshot.isEmpty()) {
                consumer.endOffsets(snapshot, METADATA_TIMEOUT).forEach((partition, end) -> {
                    if (end > 0) {
                        liveFrom.put(partition, end);
                    }
                });
                consumer.seekToBeginning(snapshot);
            }
        } else {
            consumer.seekToBeginning(added);
        }
        // resolve the lazy seeks now, so that "assigned" means records from here on will be seen
        added.forEach(partition -> Positions.moveTo(nextOffsets, partition.topic(), partition.partition(), consumer.position(partition)));
        // a partition whose start is its end has nothing to load
        liveFrom.entrySet().removeIf(start -> nextOffset(start.getKey()) >= start.getValue());
        if (initial && liveFrom.isEmpty()) {
            onSnapshotsLoaded();
        }
    }


    private void markAssigned() {
        if (!assigned.isEmpty()) {
            firstAssignment.countDown();
        }
    }

    private void onHealthy() {
        if (failing) {
            failing = false;
            log.info("Kafka is reachable again at {}", settings.bootstrapServers());
        }
    }

    private void onFailure(RuntimeException e) {
        reachable = false;
        if (!failing) {
            failing = true;
            log.warn("Kafka at {} failed, retrying every {} s: {}", settings.bootstrapServers(), RETRY_BACKOFF.toSeconds(), e.toString());
        }
        nextRefreshNanos = System.nanoTime();
        sleep(RETRY_BACKOFF);
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void closeConsumer() {
        clientMetrics.close();
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            log.warn("closing the Kafka consumer failed: {}", e.toString());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(Duration.ofSeconds(10).toMillis());
    }
}
