package io.c254.streaming.entitlements;

import com.fasterxml.jackson.databind.JsonNode;
import io.c254.streaming.registry.TopicRegistry;
import io.c254.streaming.testing.TestEntitlementsService;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real entitlements service over HTTP whose answers change while clients are connected: allow, revoke, outage. */
class RemoteEntitlementsIT {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String DESK = TestKafka.uniqueTopic("desk");
    private static TestEntitlementsService entitlements;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        entitlements = TestEntitlementsService.start();
        // the default topic carries the sentinels that show nothing else arrived
        entitlements.allow(TopicRegistry.LATEST_PRICES);
        server = TestServer.builder()
                .env("ACCESS_ENTITLEMENTS_SERVICE_URL", entitlements.url())
                .env("ACCESS_ENTITLEMENTS_ALLOW_TTL_SECONDS", "1")
                .env("ACCESS_ENTITLEMENTS_DENY_TTL_SECONDS", "1")
                .env("ACCESS_ENTITLEMENTS_RECHECK_SECONDS", "1")
                .topic(DESK)
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
        entitlements.close();
    }

    private static WsClient connect(String user) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + TestTokens.jwt(user, "tenant-e", "trader")));
        client.nextOfType("connection_established");
        return client;
    }

    private static void subscribe(WsClient client) {
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + DESK + "\"]}}");
    }

    private static String record(String marker) {
        return "{\"marker\":\"" + marker + "\"}";
    }

    @Test
    void allowedThenRevokedSubscriptionStopsWithSubscriptionRevokedAndNothingAfter() {
        entitlements.outage(false);
        entitlements.allow(DESK);
        try (WsClient client = connect("revoked-" + UUID.randomUUID())) {
            subscribe(client);
            client.nextOfType("subscribed");
            String before = UUID.randomUUID().toString();
            TestKafka.publish(DESK, "k", record(before));
            assertThat(client.nextData("marker", before)).isNotNull();

            entitlements.deny(DESK, "desk_head");
            JsonNode revoked = client.nextMatching(m -> "error".equals(m.path("type").asText()), Duration.ofSeconds(15));
            assertThat(revoked.path("error").asText()).isEqualTo("SUBSCRIPTION_REVOKED");
            assertThat(revoked.path("details").path("topic").asText()).isEqualTo(DESK);

            String after = UUID.randomUUID().toString();
            TestKafka.publish(DESK, "k", record(after));
            String sentinel = UUID.randomUUID().toString();
            TestKafka.publish(TopicRegistry.LATEST_PRICES, "k", record(sentinel));
            JsonNode next = client.nextMatching(m -> DESK.equals(m.path("topic").asText())
                    || sentinel.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(10));
            assertThat(next.path("data").path("marker").asText()).as("no record of a revoked topic").isEqualTo(sentinel);
        }
    }

    @Test
    void deniedByTheServiceGetsSubscriptionDeniedWithItsRequiredRole() {
        entitlements.outage(false);
        entitlements.deny(DESK, "desk_head");
        try (WsClient client = connect("denied-" + UUID.randomUUID())) {
            subscribe(client);
            JsonNode error = client.nextOfType("error");
            assertThat(error.path("error").asText()).isEqualTo("SUBSCRIPTION_DENIED");
            assertThat(error.path("details").path("required_role").asText()).isEqualTo("desk_head");
        }
    }

    @Test
    void outageFailsClosedWithEntitlementsUnavailableAndRecoversWhenTheServiceAnswers() throws Exception {
        entitlements.allow(DESK);
        entitlements.outage(true);
        try (WsClient client = connect("outage-" + UUID.randomUUID())) {
            subscribe(client);
            JsonNode error = client.nextOfType("error");
            assertThat(error.path("error").asText()).isEqualTo("ENTITLEMENTS_UNAVAILABLE");
            assertThat(error.path("details").path("topic").asText()).isEqualTo(DESK);
            JsonNode health = JSON.readTree(server.get("/health").body());
            assertThat(health.path("dependencies").path("entitlements").asText()).isEqualTo("down");
            assertThat(health.path("status").asText()).isEqualTo("degraded");

            entitlements.outage(false);
            subscribe(client);
            assertThat(client.nextOfType("subscribed").path("topics").get(0).asText()).isEqualTo(DESK);
            assertThat(JSON.readTree(server.get("/health").body()).path("dependencies").path("entitlements").asText()).isEqualTo("ok");
        } finally {
            entitlements.outage(false);
        }
    }

    @Test
    void outageLeavesLiveSubscriptionsDeliveringAcrossRecheckSweepsWithoutRevocation() throws Exception {
        entitlements.outage(false);
        entitlements.allow(DESK);
        String user = "steady-" + UUID.randomUUID();
        try (WsClient client = connect(user)) {
            subscribe(client);
            client.nextOfType("subscribed");
            String before = UUID.randomUUID().toString();
            TestKafka.publish(DESK, "k", record(before));
            client.nextMatching(m -> before.equals(m.path("data").path("marker").asText()), Duration.ofSeconds(30));

            entitlements.outage(true);
            int askedBefore = asked(user);
            // every request counted from here was answered 503: three sweeps asked again and got no answer
            // (a subscription dropped on the outage would not be asked about again)
            await("three recheck sweeps asking about the live subscription").atMost(Duration.ofSeconds(20))
                    .until(() -> asked(user) >= askedBefore + 3);
            JsonNode health = JSON.readTree(server.get("/health").body());
            assertThat(health.path("dependencies").path("entitlements").asText()).isEqualTo("down");

            String during = UUID.randomUUID().toString();
            TestKafka.publish(DESK, "k", record(during));
            List<JsonNode> received = new ArrayList<>();
            for (int i = 0; i < 100 && !during.equals(received.isEmpty() ? null : received.getLast().path("data").path("marker").asText()); i++) {
                received.add(client.next(Duration.ofSeconds(30)));
            }
            assertThat(received.getLast().path("data").path("marker").asText()).as("the record sent during the outage").isEqualTo(during);
            assertThat(received).as("no error (SUBSCRIPTION_REVOKED) while the service was down")
                    .noneMatch(m -> "error".equals(m.path("type").asText()));
        } finally {
            entitlements.outage(false);
        }
    }

    /** How many times the entitlements service was asked about this user's DESK subscription. */
    private static int asked(String user) {
        return (int) entitlements.requests().stream()
                .filter(r -> user.equals(r.path("user_id").asText()) && DESK.equals(r.path("topic").asText()))
                .count();
    }

    @Test
    void theServiceIsAskedWithTheDocumentedContract() {
        entitlements.outage(false);
        entitlements.allow(DESK);
        String user = "contract-" + UUID.randomUUID();
        try (WsClient client = connect(user)) {
            subscribe(client);
            client.nextOfType("subscribed");
        }
        JsonNode request = entitlements.requests().stream()
                .filter(r -> user.equals(r.path("user_id").asText()) && DESK.equals(r.path("topic").asText()))
                .findFirst().orElseThrow();
        assertThat(request.path("tenant_id").asText()).isEqualTo("tenant-e");
        assertThat(request.path("roles").toString()).contains("trader");
    }
}
