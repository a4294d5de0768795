package io.c254.streaming.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.hub.Cursor;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every data message carries the connection's cursor: after it, the next offset of every partition of every
 * topic the connection holds, on both transports. Real broker, real clients.
 */
class CursorIT {

    /** Two partitions, so that a cursor is seen to cover the partition a message did not come from. */
    private static final String TWO = TestKafka.uniqueTopic("cursor-two");
    private static final String ONE = TestKafka.uniqueTopic("cursor-one");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;

    @BeforeAll
    static void start() {
        TestKafka.broker().createTopic(TWO, 2);
        TestKafka.broker().createTopic(ONE, 1);
        server = TestServer.builder().topicNotInKafka(TWO).topicNotInKafka(ONE).start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void webSocketDataMessagesCarryTheCursorOfEveryPartitionOfEveryTopicHeld() {
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TWO + "\",\"" + ONE + "\"]}}");
            client.nextOfType("subscribed");
            String run = UUID.randomUUID().toString();
            long[] twoBefore = endOffsets(TWO, 2);
            long oneBefore = endOffsets(ONE, 1)[0];

            // each record is published once the one before it arrived: Kafka orders records within a partition only
            TestKafka.publish(TWO, 0, "k", "{\"marker\":\"" + run + "-a\"}");
            JsonNode first = client.nextData("marker", run + "-a");
            TestKafka.publish(TWO, 1, "k", "{\"marker\":\"" + run + "-b\"}");
            client.nextData("marker", run + "-b");
            TestKafka.publish(ONE, 0, "k", "{\"marker\":\"" + run + "-c\"}");
            JsonNode last = client.nextData("marker", run + "-c");
            Cursor atFirst = cursor(first.path("cursor").asText());
            Cursor atLast = cursor(last.path("cursor").asText());

            assertThat(atFirst.topics()).containsExactlyInAnyOrder(TWO, ONE, TopicRegistry.LATEST_PRICES);
            assertThat(atFirst.next(TWO)[0]).isEqualTo(first.path("offset").asLong() + 1);
            assertThat(atLast.next(TWO)).containsExactly(twoBefore[0] + 1, twoBefore[1] + 1);
            assertThat(atLast.next(ONE)).containsExactly(oneBefore + 1);
            assertThat(last.path("offset").asLong()).isEqualTo(oneBefore);
        }
    }

    @Test
    void sseEventIdsAreTheSameCursorCoveringEveryTopicTheStreamHolds() {
        try (SseClient stream = SseClient.connect(server.http("/sse/stream?token=test-token&topics=" + TWO + "," + ONE))) {
            stream.nextMatching(e -> e.name().equals("connection_established"), SseClient.PATIENCE);
            String run = UUID.randomUUID().toString();
            long[] twoBefore = endOffsets(TWO, 2);
            long oneBefore = endOffsets(ONE, 1)[0];

            TestKafka.publish(TWO, 1, "k", "{\"marker\":\"" + run + "-a\"}");
            stream.nextMatching(e -> e.name().equals("data")
                    && (run + "-a").equals(e.json().path("data").path("marker").asText()), Duration.ofSeconds(30));
            TestKafka.publish(ONE, 0, "k", "{\"marker\":\"" + run + "-b\"}");

            SseClient.Event last = stream.nextMatching(e -> e.name().equals("data")
                    && (run + "-b").equals(e.json().path("data").path("marker").asText()), Duration.ofSeconds(30));
            Cursor cursor = cursor(last.id());

            assertThat(cursor.topics()).containsExactlyInAnyOrder(TWO, ONE, TopicRegistry.LATEST_PRICES);
            assertThat(cursor.next(TWO)).containsExactly(twoBefore[0], twoBefore[1] + 1);
            assertThat(cursor.next(ONE)).containsExactly(oneBefore + 1);
        }
    }

    @Test
    void aRecordSkippedAsInvalidIsBehindTheCursorsOfLaterBatches() throws Exception {
        try (WsClient client = WsClient.connect(server.ws("/ws/stream?token=test-token"))) {
            client.nextOfType("connection_established");
            client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + TWO + "\",\"" + ONE + "\"]}}");
            client.nextOfType("subscribed");
            String run = UUID.randomUUID().toString();
            long oneBefore = endOffsets(ONE, 1)[0];
            long skipped = invalidSkipped();

            TestKafka.publish(ONE, 0, "k", "not a JSON object");
            await().atMost(Duration.ofSeconds(30)).until(() -> invalidSkipped() > skipped);
            TestKafka.publish(TWO, 0, "k", "{\"marker\":\"" + run + "\"}");

            JsonNode data = client.nextData("marker", run);
            assertThat(cursor(data.path("cursor").asText()).next(ONE)).containsExactly(oneBefore + 1);
        }
    }

    private static long invalidSkipped() throws Exception {
        return JSON.readTree(server.get("/stats").body()).path("kafka").path("invalid_messages_skipped").asLong();
    }

    private static Cursor cursor(String text) {
        Cursor.Read read = Cursor.read(text);
        assertThat(read).as("a cursor the gateway reads back: %s", text).isInstanceOf(Cursor.Read.Valid.class);
        return ((Cursor.Read.Valid) read).cursor();
    }

    /** Where each partition ends now: the offsets the next records get. */
    private static long[] endOffsets(String topic, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                wanted.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(wanted).all().get(30, TimeUnit.SECONDS);
            long[] offsets = new long[partitions];
            for (int p = 0; p < partitions; p++) {
                offsets[p] = ends.get(new TopicPartition(topic, p)).offset();
            }
            return offsets;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the end offsets of " + topic, e);
        }
    }
}
