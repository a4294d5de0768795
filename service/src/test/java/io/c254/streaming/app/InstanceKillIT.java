package io.c254.streaming.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.testing.ServiceProcess;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance killed outright (SIGKILL: no drain, no close frames) while clients read a topic that is
 * being written: they connect to another instance with their last cursors and, between the two, get
 * every record once.
 */
class InstanceKillIT {

    private static final int RECORDS = 60;

    @Test
    @Timeout(180)
    void clientsOfAKilledInstanceResumeOnAnotherWithNothingLostOrRepeated() throws Exception {
        String topic = TestKafka.uniqueTopic("killed");
        TestKafka.broker().createTopic(topic, 1);
        Path registry = Files.createTempFile("topics", ".yaml");
        Files.writeString(registry, "topics:\n  - name: " + topic + "\n");
        try (ServiceProcess doomed = ServiceProcess.start(Map.of(
                "ACCESS_KAFKA_BOOTSTRAP", TestKafka.broker().bootstrapServers(),
                "ACCESS_TOPIC_REGISTRY_FILE", registry.toString(),
                "ACCESS_SNAPSHOT_MAX_KEYS", "0"));
             TestServer survivor = TestServer.builder().topicNotInKafka(topic).start()) {
            int port = doomed.awaitPort();
            await().atMost(Duration.ofSeconds(60)).until(() -> doomed.status(port, "/health/ready") == 200);
            List<Integer> wsFromDoomed = new ArrayList<>();
            List<Integer> sseFromDoomed = new ArrayList<>();
            String wsCursor;
            String sseCursor;
            try (WsClient ws = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws/stream?token=test-token"));
                 SseClient sse = SseClient.connect(doomed.uri(port, "/sse/stream?token=test-token&topics=" + topic))) {
                ws.nextOfType("connection_established");
                ws.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"]}}");
                ws.nextOfType("subscribed");
                // the stream's starting cursor: where it resumes from if no data event comes before the kill
                String sseStart = sse.nextNamed("subscribed").id();

                Thread writer = Thread.ofPlatform().name("killed-writer").start(() -> {
                    for (int seq = 0; seq < RECORDS; seq++) {
                        TestKafka.publish(topic, "k", "{\"seq\":" + seq + "}");
                    }
                });
                // some records in, the instance dies mid-stream
                List<JsonNode> wsData = new ArrayList<>();
                while (wsData.size() < 15) {
                    wsData.add(ws.nextOfType("data"));
                }
                doomed.process().destroyForcibly();
                assertThat(doomed.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                // what each client still had in hand when its connection died counts as received
                ws.collectUntilEnded(Duration.ofSeconds(30)).stream().filter(m -> m.path("type").asText().equals("data")).forEach(wsData::add);
                wsData.forEach(m -> wsFromDoomed.add(m.path("data").path("seq").asInt()));
                wsCursor = wsData.getLast().path("cursor").asText();
                String lastSseId = sseStart;
                for (SseClient.Event event = sse.next(Duration.ofSeconds(30)); !event.name().equals("end-of-stream");
                     event = sse.next(Duration.ofSeconds(30))) {
                    if (event.name().equals("data")) {
                        sseFromDoomed.add(event.json().path("data").path("seq").asInt());
                        lastSseId = event.id();
                    }
                }
                sseCursor = lastSseId;
                writer.join(Duration.ofSeconds(60));
            }

            try (WsClient ws = WsClient.connect(survivor.ws("/ws/stream?token=test-token"));
                 SseClient sse = SseClient.connect(survivor.http("/sse/stream?token=test-token&topics=" + topic),
                         Map.of("Last-Event-ID", sseCursor))) {
                ws.nextOfType("connection_established");
                ws.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"],\"resume\":\"" + wsCursor + "\"}}");
                List<Integer> wsFromSurvivor = collectRest(ws, wsFromDoomed);
                List<Integer> sseFromSurvivor = new ArrayList<>();
                Set<Integer> sseHave = new HashSet<>(sseFromDoomed);
                while (sseHave.size() < RECORDS) {
                    SseClient.Event event = sse.nextNamed("data");
                    int seq = event.json().path("data").path("seq").asInt();
                    sseFromSurvivor.add(seq);
                    sseHave.add(seq);
                }

                assertThat(concat(wsFromDoomed, wsFromSurvivor)).as("WebSocket: every record once, in order").isEqualTo(all());
                assertThat(concat(sseFromDoomed, sseFromSurvivor)).as("SSE: every record once, in order").isEqualTo(all());
            }
        }
    }

    private static List<Integer> collectRest(WsClient ws, List<Integer> had) {
        Set<Integer> have = new HashSet<>(had);
        List<Integer> got = new ArrayList<>();
        while (have.size() < RECORDS) {
            int seq = ws.nextOfType("data").path("data").path("seq").asInt();
            got.add(seq);
            have.add(seq);
        }
        return got;
    }

    private static List<Integer> concat(List<Integer> first, List<Integer> second) {
        List<Integer> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static List<Integer> all() {
        return IntStream.range(0, RECORDS).boxed().toList();
    }
}
