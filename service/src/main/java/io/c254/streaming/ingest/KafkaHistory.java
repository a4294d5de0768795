package io.c254.streaming.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.config.Config.KafkaSettings;
import io.c254.streaming.hub.Gap;
import io.c254.streaming.hub.History;
import io.c254.streaming.hub.Message;
import io.c254.streaming.registry.TopicRegistry;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reads what resuming clients missed from Kafka: the hub's {@link History}. A fixed number of readers, each
 * with a consumer of its own (partitions assigned, no group), take one resume at a time from a queue, and
 * together read at most a set number of records a second: a reconnect storm waits its turn instead of
 * starving live delivery. A reader hands its records over a chunk at a time and waits until the client
 * has taken each, so a slow client holds back one chunk, not its whole history. A reader that loses Kafka
 * tries again every second from where it was, for as long as its client stays.
 */
public final class KafkaHistory implements History, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaHistory.class);

    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
    /** A client takes a chunk, or is closed as a slow consumer, well within this. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(90);
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int MAX_POLL_RECORDS = 500;

    private record Job(String topic, long[] from, Replay replay) {
    }

    private final KafkaSettings settings;
    private final String instanceId;
    private final RecordDecoder decoder;
    private final Bucket rate;
    private final int pollRecords;
    private final BlockingQueue<Job> jobs = new LinkedBlockingQueue<>();
    private final List<Thread> readers = new ArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final LongAdder replayed = new LongAdder();
    private volatile boolean running = true;

    /**
     * @param readers          consumers reading at once, each one resume at a time
     * @param recordsPerSecond records the readers may read a second, all together
     */
    public KafkaHistory(KafkaSettings settings, String instanceId, TopicRegistry registry, ObjectMapper json, ProducerSpans producerSpans,
                        int readers, int recordsPerSecond) {
        this.settings = settings;
        this.instanceId = instanceId;
        this.decoder = RecordDecoder.forRegistry(json, registry, producerSpans);
        this.rate = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(recordsPerSecond).refillGreedy(recordsPerSecond, Duration.ofSeconds(1)).build())
                .build();
        // a poll never asks for more than the bucket can ever hold
        this.pollRecords = Math.min(MAX_POLL_RECORDS, recordsPerSecond);
        for (int i = 0; i < readers; i++) {
            int number = i;
            Thread reader = Thread.ofPlatform().name("kafka-replay-" + i).daemon().unstarted(() -> read(number));
            this.readers.add(reader);
        }
    }

    public void start() {
        readers.forEach(Thread::start);
    }

    @Override
    public void replay(String topic, long[] from, Replay replay) {
        jobs.add(new Job(topic, from.clone(), replay));
    }

    /** Resumes waiting for a reader. */
    public int waiting() {
        return jobs.size();
    }

    /** Readers busy with a resume. */
    public int busy() {
        return busy.get();
    }

    /** Records read for resuming clients so far. */
    public long replayed() {
        return replayed.sum();
    }

    private void read(int number) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(number))) {
            while (running) {
                Job job = jobs.poll(1, TimeUnit.SECONDS);
                if (job == null) {
                    continue;
                }
                busy.incrementAndGet();
                try {
                    new Reading(consumer, job).run();
                } finally {
                    busy.decrementAndGet();
                    consumer.assign(List.of());
                }
            }
        } catch (InterruptedException | InterruptException stopping) {
            // close() interrupted the reader
        } catch (KafkaException e) {
            log.error("replay reader {} stopped: {}", number, e.toString());
        }
    }

    private Map<String, Object> consumerProperties(int number) {
        Map<String, Object> props = new java.util.HashMap<>(settings.clientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "streaming-" + instanceId + "-replay-" + number);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a position retention has passed must be told, not silently moved: it is a gap for the client
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, pollRecords);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
        return props;
    }

    /** One resume on one reader: from the client's positions to the partitions' end, until its subscription has caught up. */
    private final class Reading {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Job job;
        private List<TopicPartition> partitions;
        /** Per partition, the next offset to hand over; null until the client has been told where reading begins. */
        private long[] position;

        Reading(KafkaConsumer<byte[], byte[]> consumer, Job job) {
            this.consumer = consumer;
            this.job = job;
        }

        void run() throws InterruptedException {
            boolean failing = false;
            while (running && !job.replay().cancelled()) {
                try {
                    readToTheEnd();
                    return;
                } catch (InterruptException interrupted) {
                    throw interrupted;
                } catch (RuntimeException e) {
                    // Kafka away, or a bug: either way the reader must live on, and the client is still waiting
                    if (!failing) {
                        failing = true;
                        if (e instanceof KafkaException) {
                            log.warn("reading topic {} for a resuming client failed, retrying every {} s: {}",
                                    job.topic(), RETRY_BACKOFF.toSeconds(), e.toString());
                        } else {
                            log.error("reading topic {} for a resuming client failed, retrying every {} s", job.topic(),
                                    RETRY_BACKOFF.toSeconds(), e);
                        }
                    }
                    Thread.sleep(RETRY_BACKOFF);
                } catch (TimeoutException | ExecutionException e) {
                    // the client's event loop did not answer: it is gone, and the subscription with it
                    log.debug("a resume of topic {} ended unanswered: {}", job.topic(), e.toString());
                    return;
                }
            }
        }

        private void readToTheEnd() throws InterruptedException, TimeoutException, ExecutionException {
            if (partitions == null) {
                List<PartitionInfo> found = consumer.partitionsFor(job.topic(), METADATA_TIMEOUT);
                partitions = found.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                        .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            if (position == null) {
                begin(consumer.beginningOffsets(partitions, METADATA_TIMEOUT), end);
            }
            for (TopicPartition partition : partitions) {
                consumer.seek(partition, position[partition.partition()]);
            }
            while (!job.replay().cancelled()) {
                while (!reached(end) && !job.replay().cancelled()) {
                    pollOnce();
                }
                if (job.replay().cancelled() || await(job.replay().caughtUp(position.clone()))) {
                    return;
                }
                end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            }
        }

        /** Where each partition begins: the cursor's offset, moved past what retention removed and back from beyond the end. */
        private void begin(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end)
                throws InterruptedException, TimeoutException, ExecutionException {
            long[] from = new long[partitions.getLast().partition() + 1];
            List<Gap> missing = new ArrayList<>();
            List<Gap> beyondEnd = new ArrayList<>();
            for (TopicPartition partition : partitions) {
                int p = partition.partition();
                long first = start.get(partition);
                long last = end.get(partition);
                // a partition the cursor does not know was created after it: all of it is new to the client
                long wanted = p < job.from().length ? job.from()[p] : first;
                if (wanted < first) {
                    missing.add(new Gap(p, wanted, first));
                    wanted = first;
                }
                if (wanted > last) {
                    beyondEnd.add(new Gap(p, last, wanted));
                    wanted = last;
                }
                from[p] = wanted;
            }
            await(job.replay().begin(from.clone(), missing, beyondEnd));
            position = from;
        }

        private boolean reached(Map<TopicPartition, Long> end) {
            for (TopicPartition partition : partitions) {
                if (position[partition.partition()] < end.get(partition)) {
                    return false;
                }
            }
            return true;
        }

        private void pollOnce() throws InterruptedException, TimeoutException, ExecutionException {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(POLL_TIMEOUT);
            } catch (OffsetOutOfRangeException e) {
                skipRemoved(e.offsetOutOfRangePartitions().keySet());
                return;
            }
            if (!records.isEmpty()) {
                rate.asBlocking().consume(records.count());
                replayed.add(records.count());
            }
            List<Message> chunk = new ArrayList<>();
            int bytes = 0;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (decoder.decode(record) instanceof RecordDecoder.Decoded.Accepted accepted) {
                    chunk.add(accepted.message());
                    bytes += accepted.message().valueJson().length;
                }
                if (bytes >= CHUNK_BYTES) {
                    await(job.replay().deliver(chunk));
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
            }
            if (!chunk.isEmpty()) {
                await(job.replay().deliver(chunk));
            }
            // past records and markers alike: the consumer's position is what has been handed over
            for (TopicPartition partition : partitions) {
                position[partition.partition()] = consumer.position(partition, METADATA_TIMEOUT);
            }
        }

        /** Retention removed records ahead of the reader: the client is told, reading goes on from the partition's new start. */
        private void skipRemoved(java.util.Set<TopicPartition> removed) throws InterruptedException, TimeoutException, ExecutionException {
            Map<TopicPartition, Long> start = consumer.beginningOffsets(removed, METADATA_TIMEOUT);
            List<Gap> missing = new ArrayList<>();
            for (TopicPartition partition : removed) {
                int p = partition.partition();
                long first = start.get(partition);
                if (first > position[p]) {
                    missing.add(new Gap(p, position[p], first));
                    position[p] = first;
                    consumer.seek(partition, first);
                } else {
                    // the log was cut short below the reader (an unclean leader election): go on from its end
                    consumer.seekToEnd(List.of(partition));
                    position[p] = consumer.position(partition, METADATA_TIMEOUT);
                }
            }
            if (!missing.isEmpty()) {
                await(job.replay().skipped(missing));
            }
        }

        private <T> T await(CompletableFuture<T> answer) throws InterruptedException, TimeoutException, ExecutionException {
            return answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        readers.forEach(Thread::interrupt);
        for (Thread reader : readers) {
            reader.join(Duration.ofSeconds(10).toMillis());
        }
    }
}
