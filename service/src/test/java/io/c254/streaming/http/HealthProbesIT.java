package io.c254.streaming.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.ProjectFiles;
import io.c254.streaming.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes probes as a kubelet sees them, on an instance that consumes and on one whose broker
 * cannot be reached, and the build identity that /health reports.
 */
class HealthProbesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer consuming;
    private static TestServer withoutKafka;

    @BeforeAll
    static void start() {
        consuming = TestServer.builder().start();
        // nothing listens on port 1: the consumer never reaches a broker
        withoutKafka = TestServer.builder().env("ACCESS_KAFKA_BOOTSTRAP", "127.0.0.1:1").noKafkaWait().start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        consuming.close();
        withoutKafka.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(response.body());
    }

    @Test
    void liveAnswersOkWhileTheProcessRuns() throws Exception {
        HttpResponse<String> live = consuming.get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(json(live).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void readyOnceKafkaPartitionsAreAssigned() throws Exception {
        HttpResponse<String> ready = consuming.get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).path("status").asText()).isEqualTo("ready");
    }

    @Test
    void notReadyWithAReasonWhileKafkaIsUnreachable() throws Exception {
        HttpResponse<String> ready = withoutKafka.get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode body = json(ready);
        assertThat(body.path("status").asText()).isEqualTo("not_ready");
        assertThat(body.path("reason").asText()).isEqualTo("kafka_unreachable");
        assertThat(ready.headers().firstValue("retry-after")).isPresent();
    }

    @Test
    void unreachableKafkaKeepsTheProcessLiveAndHealthDegradedNotDown() throws Exception {
        // a restart cannot fix a broker outage: liveness must not fail, or every replica restarts at once
        HttpResponse<String> live = withoutKafka.get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);

        HttpResponse<String> health = withoutKafka.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = json(health);
        assertThat(body.path("status").asText()).isEqualTo("degraded");
        assertThat(body.path("dependencies").path("kafka").asText()).isEqualTo("down");
    }

    @Test
    void probesTakeGetOnly() throws Exception {
        HttpResponse<String> post = TestServer.send(HttpRequest.newBuilder(consuming.http("/health/ready"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(json(post).path("error").asText()).isEqualTo("METHOD_NOT_ALLOWED");
    }

    @Test
    void healthReportsThePomVersionAndTheCommitItWasBuiltFrom() throws Exception {
        JsonNode health = json(consuming.get("/health"));
        assertThat(health.path("version").asText()).isEqualTo(ProjectFiles.version());
        String commit = health.path("commit").asText();
        // a checkout has .git at its root, as CI's fresh clone does; a source archive has none
        if (Files.exists(ProjectFiles.root().resolve(".git"))) {
            assertThat(commit).as("a build inside a git checkout knows its commit").matches("[0-9a-f]{7,}");
        } else {
            assertThat(commit).matches("[0-9a-f]{7,}|unknown");
        }
    }
}
