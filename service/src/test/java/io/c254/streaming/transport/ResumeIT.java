package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that reconnects with the cursor of the last message it processed gets exactly what it missed,
 * on every topic and partition it held, then live records: real broker, real clients, both transports,
 * another instance; and honest answers when the cursor cannot be honoured.
 */
class ResumeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String THREE = TestKafka.uniqueTopic("resume-three");
    private static final String ONE = TestKafka.uniqueTopic("resume-one");
    private static final String TRIMMED = TestKafka.uniqueTopic("resume-trimmed");
    private static final String TENANTS = TestKafka.uniqueTopic("resume-tenants");
    private static TestServer server;

    @BeforeAll
    static void start() {
        TestKafka.broker().createTopic(THREE, 3);
        TestKafka.broker().createTopic(ONE, 1);
        TestKafka.broker().createTopic(TRIMMED, 1);
        TestKafka.broker().createTopic(TENANTS, 2);
        server = TestServer.builder().topicNotInKafka(THREE).topicNotInKafka(ONE).topicNotInKafka(TRIMMED)
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void aWebSocketClientResumingGetsExactlyWhatItMissedOnEveryPartitionThenLive() {
        String run = UUID.randomUUID().toString();
        String cursor = lastCursorBeforeLeaving(server, run);

        List<String> missed = publishAcrossPartitions(run, 30, 6);

        try (WsClient client = connect(server)) {
            client.send(subscribe(List.of(THREE, ONE), "{}", cursor));
            JsonNode ack = client.nextOfType("subscribed");
            assertThat(ack.path("cursor").asText()).as("the starting cursor is the one resumed from, for these topics")
                    .satisfies(text -> assertThat(read(text).next(THREE)).containsExactly(read(cursor).next(THREE)));
            List<JsonNode> received = dataUntilLive(client, run);

            assertExactlyOnceInPartitionOrder(received, missed, run);
        }
    }

    @Test
    void anotherInstanceResumesFromTheSameCursor() throws Exception {
        String run = UUID.randomUUID().toString();
        String cursor = lastCursorBeforeLeaving(server, run);
        List<String> missed = publishAcrossPartitions(run, 12, 3);

        try (TestServer other = TestServer.builder().topicNotInKafka(THREE).topicNotInKafka(ONE).start();
             WsClient client = connect(other)) {
            client.send(subscribe(List.of(THREE, ONE), "{}", cursor));
            client.nextOfType("subscribed");
            assertExactlyOnceInPartitionOrder(dataUntilLive(client, run), missed, run);
        }
    }

    @Test
    void anSseStreamResumesFromLastEventIdAsABrowserSendsIt() {
        String run = UUID.randomUUID().toString();
        String cursor;
        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + THREE + "," + ONE))) {
            SseClient.Event subscribed = stream.nextNamed("subscribed");
            assertThat(read(subscribed.id()).topics()).as("the stream's starting cursor is its first event id").contains(THREE, ONE);
            TestKafka.publish(THREE, 1, "k", "{\"marker\":\"" + run + "-before\"}");
            cursor = stream.nextData("marker", run + "-before").id();
        }
        List<String> missed = publishAcrossPartitions(run, 9, 3);

        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + THREE + "," + ONE),
                Map.of("Last-Event-ID", cursor))) {
            List<JsonNode> received = new ArrayList<>();
            publishLive(run);
            while (!coversTheEndOfBothTopics(received)) {
                SseClient.Event event = stream.nextMatching(e -> e.name().equals("data"), SseClient.PATIENCE);
                // the id is the cursor: as a WebSocket message carries it
                received.add(((com.fasterxml.jackson.databind.node.ObjectNode) event.json()).put("cursor", event.id()));
            }
            assertExactlyOnceInPartitionOrder(received, missed, run);
        }
    }

    @Test
    void theLastEventIdParameterResumesAStreamToo() {
        String run = UUID.randomUUID().toString();
        String cursor = lastCursorBeforeLeaving(server, run);
        TestKafka.publish(THREE, 2, "k", "{\"marker\":\"" + run + "-missed\"}");

        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + THREE + "," + ONE
                + "&lastEventId=" + cursor))) {
            assertThat(stream.nextData("marker", run + "-missed").json().path("partition").asInt()).isEqualTo(2);
        }
    }

    @Test
    void replayedRecordsPassTheSubscriptionsFilters() {
        String run = UUID.randomUUID().toString();
        String cursor = lastCursorBeforeLeaving(server, run);
        for (int i = 0; i < 6; i++) {
            TestKafka.publish(THREE, i % 3, "k", "{\"marker\":\"" + run + "\",\"seq\":" + i + ",\"c\":\"" + (i % 2 == 0 ? "oil" : "gas") + "\"}");
        }

        try (WsClient client = connect(server)) {
            client.send(subscribe(List.of(THREE, ONE), "{\"c\":\"oil\"}", cursor));
            client.nextOfType("subscribed");
            for (int p = 0; p < 3; p++) {
                TestKafka.publish(THREE, p, "k", "{\"marker\":\"" + run + "\",\"seq\":" + (6 + p) + ",\"c\":\"oil\"}");
            }
            TestKafka.publish(ONE, 0, "k", "{\"marker\":\"" + run + "\",\"seq\":9,\"c\":\"oil\"}");
            // order holds within a partition only, and the partitions' replays end in no order: once the last record of
            // every partition is in, everything before it was delivered or dropped. (Not the cursor's reach: a
            // partition whose last records the filter dropped may stay behind in a replay's cursor)
            List<Integer> seqs = dataUntil(client, received -> hasSeqs(received, run, 6, 7, 8, 9)).stream()
                    .filter(m -> run.equals(m.path("data").path("marker").asText()))
                    .map(m -> m.path("data").path("seq").asInt()).sorted().toList();
            assertThat(seqs).as("the gas records were filtered out, replayed or live").containsExactly(0, 2, 4, 6, 7, 8, 9);
        }
    }

    @Test
    void recordsRetentionRemovedAreReportedAsAGapThenTheRestFollows() throws Exception {
        String run = UUID.randomUUID().toString();
        String cursor;
        try (WsClient client = connect(server)) {
            client.send(subscribe(List.of(TRIMMED), "{}", null));
            client.nextOfType("subscribed");
            TestKafka.publish(TRIMMED, 0, "k", "{\"marker\":\"" + run + "-before\"}");
            cursor = client.nextData("marker", run + "-before").path("cursor").asText();
        }
        long first = read(cursor).next(TRIMMED)[0];
        for (int i = 0; i < 10; i++) {
            TestKafka.publish(TRIMMED, 0, "k", "{\"marker\":\"" + run + "\",\"seq\":" + i + "}");
        }
        try (Admin admin = admin()) {
            admin.deleteRecords(Map.of(new TopicPartition(TRIMMED, 0), RecordsToDelete.beforeOffset(first + 4))).all().get(30, TimeUnit.SECONDS);
        }

        try (WsClient client = connect(server)) {
            client.send(subscribe(List.of(TRIMMED), "{}", cursor));
            TestKafka.publish(TRIMMED, 0, "k", "{\"marker\":\"" + run + "-live\",\"seq\":-1}");
            List<JsonNode> seen = client.collectUntilData("marker", run + "-live");
            JsonNode gap = seen.stream().filter(m -> m.path("error").asText().equals("RESUME_GAP")).findFirst().orElseThrow(
                    () -> new AssertionError("no RESUME_GAP among " + seen));
            assertThat(gap.path("details").path("topic").asText()).isEqualTo(TRIMMED);
            assertThat(gap.path("details").path("missing").asLong()).isEqualTo(4);
            assertThat(gap.path("details").path("partitions").get(0).path("first_offset").asLong()).isEqualTo(first);
            assertThat(gap.path("details").path("partitions").get(0).path("last_offset").asLong()).isEqualTo(first + 3);
            assertThat(gap.path("message").asText()).contains("4 records of topic " + TRIMMED);
            assertThat(seen.indexOf(gap)).as("the gap is told before the records after it").isLessThan(firstDataIndex(seen));
            List<Integer> seqs = seen.stream().filter(m -> m.path("type").asText().equals("data"))
                    .map(m -> m.path("data").path("seq").asInt()).toList();
            assertThat(seqs).containsExactly(4, 5, 6, 7, 8, 9, -1);
        }
    }

    @Test
    void aForgedCursorGetsAClearErrorAndNoSubscription() {
        try (WsClient client = connect(server)) {
            client.send(subscribe(List.of(THREE), "{}", "not-a-cursor!"));
            JsonNode error = client.nextOfType("error");
            assertThat(error.path("error").asText()).isEqualTo("INVALID_CURSOR");
            assertThat(error.path("message").asText()).contains("data.resume", "not base64url");
            List<JsonNode> rest = client.collectThroughPong();
            assertThat(rest).noneMatch(m -> m.path("type").asText().equals("subscribed"));
        }
        HttpResponse<String> refused = server.get("/sse/stream?token=test-token&lastEventId=AQE");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("INVALID_CURSOR", "lastEventId");
    }

    @Test
    void aCursorAheadOfTheTopicIsToldAndTheSubscriptionGoesOnLive() {
        String run = UUID.randomUUID().toString();
        String ahead = Cursor.of(Map.of(ONE, new long[]{1_000_000_000L})).encode();
        try (WsClient client = connect(server)) {
            client.send(subscribe(List.of(ONE), "{}", ahead));
            JsonNode notice = client.nextMatching(m -> m.path("error").asText().equals("INVALID_CURSOR"), WsClient.PATIENCE);
            assertThat(notice.path("message").asText()).contains("ahead of the end of topic " + ONE);
            client.collectThroughPong();
            TestKafka.publish(ONE, 0, "k", "{\"marker\":\"" + run + "\"}");
            client.nextData("marker", run);
        }
    }

    @Test
    void aForgedCursorNeverShowsAnotherTenantsRecords() {
        String run = UUID.randomUUID().toString();
        for (int i = 0; i < 8; i++) {
            String owner = i % 2 == 0 ? "acme" : "globex";
            TestKafka.publish(TENANTS, i % 2, "k", "{\"marker\":\"" + run + "\",\"owner\":\"" + owner + "\",\"seq\":" + i + "}");
        }
        String fromTheStart = Cursor.of(Map.of(TENANTS, new long[]{0, 0})).encode();
        try (TestServer scoped = TestServer.builder().topic(TENANTS, "tenant_scoped: true\ntenant_field: owner").start();
             WsClient globex = WsClient.connect(scoped.ws("/ws/stream?token=" + TestTokens.jwt("user-of-globex", "globex", "viewer")))) {
            globex.nextOfType("connection_established");
            globex.send(subscribe(List.of(TENANTS), "{\"owner\":[\"acme\",\"globex\"]}", fromTheStart));
            globex.nextOfType("subscribed");
            TestKafka.publish(TENANTS, 0, "k", "{\"marker\":\"" + run + "-live\",\"owner\":\"globex\",\"seq\":-1}");
            long[] ends = endOffsets(TENANTS, 2);
            List<JsonNode> data = dataUntil(globex, received -> !received.isEmpty()
                    && covers(read(received.getLast().path("cursor").asText()).next(TENANTS), ends));
            assertThat(data).allSatisfy(m -> assertThat(m.path("data").path("owner").asText()).isEqualTo("globex"));
            assertThat(data.stream().filter(m -> run.equals(m.path("data").path("marker").asText()))
                    .map(m -> m.path("data").path("seq").asInt()).sorted().toList()).containsExactly(1, 3, 5, 7);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Subscribes to both topics, receives one record, and leaves with that record's cursor. */
    private static String lastCursorBeforeLeaving(TestServer at, String run) {
        try (WsClient client = connect(at)) {
            client.send(subscribe(List.of(THREE, ONE), "{}", null));
            client.nextOfType("subscribed");
            TestKafka.publish(THREE, 0, "k", "{\"marker\":\"" + run + "-before\"}");
            return client.nextData("marker", run + "-before").path("cursor").asText();
        }
    }

    /** Publishes `count` records round-robin over THREE's partitions and `onOne` to ONE; answers their markers' sequence keys. */
    private static List<String> publishAcrossPartitions(String run, int count, int onOne) {
        List<String> published = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TestKafka.publish(THREE, i % 3, "k", "{\"marker\":\"" + run + "\",\"seq\":" + i + "}");
            published.add(THREE + "/" + i);
        }
        for (int i = 0; i < onOne; i++) {
            TestKafka.publish(ONE, 0, "k", "{\"marker\":\"" + run + "\",\"seq\":" + (1000 + i) + "}");
            published.add(ONE + "/" + (1000 + i));
        }
        return published;
    }

    /**
     * Publishes a live record to each topic and collects data messages until both arrived. Each topic goes
     * live once its own replay is done: order holds within a partition, not across topics.
     */
    private static List<JsonNode> dataUntilLive(WsClient client, String run) {
        publishLive(run);
        return dataUntil(client, ResumeIT::coversTheEndOfBothTopics);
    }

    /**
     * Whether the last message's cursor is past every record in both topics now: everything before it was
     * then delivered or skipped (replayed partitions go live one topic at a time, in no order across partitions).
     */
    private static boolean coversTheEndOfBothTopics(List<JsonNode> received) {
        if (received.isEmpty()) {
            return false;
        }
        Cursor cursor = read(received.getLast().path("cursor").asText());
        return covers(cursor.next(THREE), endOffsets(THREE, 3)) && covers(cursor.next(ONE), endOffsets(ONE, 1));
    }

    private static boolean covers(long[] next, long[] ends) {
        if (next == null || next.length < ends.length) {
            return false;
        }
        for (int p = 0; p < ends.length; p++) {
            if (next[p] < ends[p]) {
                return false;
            }
        }
        return true;
    }

    private static void publishLive(String run) {
        TestKafka.publish(THREE, 0, "k", "{\"marker\":\"" + run + "-live\",\"seq\":-1}");
        TestKafka.publish(ONE, 0, "k", "{\"marker\":\"" + run + "-live\",\"seq\":-1}");
    }

    private static boolean hasSeqs(List<JsonNode> received, String run, int... seqs) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        received.stream().filter(m -> run.equals(m.path("data").path("marker").asText())).forEach(m -> seen.add(m.path("data").path("seq").asInt()));
        return java.util.Arrays.stream(seqs).allMatch(seen::contains);
    }

    /** Data messages until those received so far satisfy `done`. */
    private static List<JsonNode> dataUntil(WsClient client, java.util.function.Predicate<List<JsonNode>> done) {
        List<JsonNode> received = new ArrayList<>();
        long deadline = System.nanoTime() + WsClient.PATIENCE.toNanos();
        while (!done.test(received)) {
            long left = deadline - System.nanoTime();
            assertThat(left).as("data within %s; got %s", WsClient.PATIENCE, received).isPositive();
            JsonNode message = client.next(Duration.ofNanos(left));
            if (message.path("type").asText().equals("data")) {
                received.add(message);
            }
        }
        return received;
    }

    private static void assertExactlyOnceInPartitionOrder(List<JsonNode> received, List<String> missed, String run) {
        List<JsonNode> ours = received.stream().filter(m -> run.equals(m.path("data").path("marker").asText())).toList();
        assertThat(ours.stream().map(m -> m.path("topic").asText() + "/" + m.path("data").path("seq").asInt()).toList())
                .as("each missed record once, nothing else").containsExactlyInAnyOrderElementsOf(missed);
        Map<String, Long> lastOffset = new HashMap<>();
        for (JsonNode message : received) {
            String partition = message.path("topic").asText() + "/" + message.path("partition").asInt();
            long offset = message.path("offset").asLong();
            Long before = lastOffset.put(partition, offset);
            assertThat(before == null || before < offset).as("offsets rise within %s: %s then %s", partition, before, offset).isTrue();
        }
        List<JsonNode> live = received.stream().filter(m -> (run + "-live").equals(m.path("data").path("marker").asText())).toList();
        assertThat(live).as("the live records, once each").hasSize(2);
        for (JsonNode record : live) {
            List<JsonNode> ofPartition = received.stream().filter(m -> m.path("topic").equals(record.path("topic"))
                    && m.path("partition").equals(record.path("partition"))).toList();
            assertThat(ofPartition.getLast()).as("the live record comes after what was missed in its partition").isSameAs(record);
            assertThat(read(record.path("cursor").asText()).next(record.path("topic").asText())[record.path("partition").asInt()])
                    .isEqualTo(record.path("offset").asLong() + 1);
        }
    }

    private static int firstDataIndex(List<JsonNode> seen) {
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).path("type").asText().equals("data")) {
                return i;
            }
        }
        return seen.size();
    }

    private static WsClient connect(TestServer at) {
        WsClient client = WsClient.connect(at.ws("/ws/stream?token=test-token"));
        client.nextOfType("connection_established");
        return client;
    }

    private static String subscribe(List<String> topics, String filters, String resume) {
        String names = String.join("\",\"", topics);
        return "{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + names + "\"],\"filters\":" + filters
                + (resume == null ? "" : ",\"resume\":\"" + resume + "\"") + "}}";
    }

    private static Cursor read(String text) {
        Cursor.Read read = Cursor.read(text);
        assertThat(read).as("a cursor the gateway reads back: %s", text).isInstanceOf(Cursor.Read.Valid.class);
        return ((Cursor.Read.Valid) read).cursor();
    }

    /** Where each partition ends now: the offsets the next records get. */
    private static long[] endOffsets(String topic, int partitions) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                wanted.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(wanted).all().get(30, TimeUnit.SECONDS);
            return LongStream.range(0, partitions).map(p -> ends.get(new TopicPartition(topic, (int) p)).offset()).toArray();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the end offsets of " + topic, e);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()));
    }
}
