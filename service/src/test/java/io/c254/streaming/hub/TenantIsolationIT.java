package io.c254.streaming.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c254.streaming.testing.TestKafka;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Tenant-scoped topics: a record reaches only connections of the tenant it names, whatever the filters say. */
class TenantIsolationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BY_FIELD = TestKafka.uniqueTopic("tenant-field");
    private static final String BY_HEADER = TestKafka.uniqueTopic("tenant-header");
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.builder()
                .topic(BY_FIELD, "tenant_scoped: true\ntenant_field: owner")
                .topic(BY_HEADER, "tenant_scoped: true\ntenant_header: tenant")
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static WsClient subscribed(String tenant, String topic, String filters) {
        WsClient client = WsClient.connect(server.ws("/ws/stream?token=" + TestTokens.jwt("user-of-" + tenant, tenant, "viewer")));
        client.nextOfType("connection_established");
        client.send("{\"action\":\"subscribe\",\"data\":{\"topics\":[\"" + topic + "\"],\"filters\":" + filters + "}}");
        client.nextOfType("subscribed");
        return client;
    }

    @Test
    void recordReachesOnlyItsTenantEvenWhenAnotherTenantFiltersForIt() {
        try (WsClient acme = subscribed("acme", BY_FIELD, "{}");
             WsClient globex = subscribed("globex", BY_FIELD, "{\"owner\":[\"acme\",\"globex\"]}")) {
            String run = UUID.randomUUID().toString();
            // interleaved on one partition: each tenant's last record comes after the other tenant's records
            for (String tenant : List.of("globex", "acme", "globex", "acme")) {
                TestKafka.publish(BY_FIELD, "k", "{\"owner\":\"" + tenant + "\",\"seq\":\"" + run + "\"}");
            }
            assertOnlyOwnRecords(acme, BY_FIELD, "acme", run);
            assertOnlyOwnRecords(globex, BY_FIELD, "globex", run);
        }
    }

    @Test
    void tenantCanComeFromARecordHeader() throws Exception {
        try (WsClient acme = subscribed("acme", BY_HEADER, "{}");
             WsClient globex = subscribed("globex", BY_HEADER, "{}")) {
            String run = UUID.randomUUID().toString();
            publishWithTenantHeaders(List.of("globex", "acme", "globex", "acme"), run);
            assertOnlyOwnRecords(acme, BY_HEADER, "acme", run);
            assertOnlyOwnRecords(globex, BY_HEADER, "globex", run);
        }
    }

    /**
     * Reads the topic's records of this run up to the tenant's second one. The other tenant's records were
     * published before it on the same partition, so any that leaked would be among them.
     */
    private static void assertOnlyOwnRecords(WsClient client, String topic, String tenant, String run) {
        List<String> owners = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (owners.stream().filter(tenant::equals).count() < 2) {
            JsonNode next = client.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (topic.equals(next.path("topic").asText()) && run.equals(next.path("data").path("seq").asText())) {
                owners.add(next.path("data").path("owner").asText());
            }
        }
        assertThat(owners).as("records of %s seen by %s", topic, tenant).containsExactly(tenant, tenant);
    }

    @Test
    void recordsThatNameNoTenantAreDroppedAndCounted() throws Exception {
        long before = JSON.readTree(server.get("/stats").body()).path("kafka").path("records_without_tenant_dropped").asLong();
        try (WsClient acme = subscribed("acme", BY_FIELD, "{}")) {
            String run = UUID.randomUUID().toString();
            TestKafka.publish(BY_FIELD, "k", "{\"marker\":\"" + run + "-nobody\"}");
            TestKafka.publish(BY_FIELD, "k", "{\"owner\":\"\",\"marker\":\"" + run + "-blank\"}");
            TestKafka.publish(BY_FIELD, "k", "{\"owner\":\"acme\",\"marker\":\"" + run + "-acme\"}");

            JsonNode first = acme.nextMatching(m -> BY_FIELD.equals(m.path("topic").asText()), Duration.ofSeconds(10));
            assertThat(first.path("data").path("marker").asText()).isEqualTo(run + "-acme");
        }
        long after = JSON.readTree(server.get("/stats").body()).path("kafka").path("records_without_tenant_dropped").asLong();
        assertThat(after - before).isEqualTo(2);
    }

    /** One record per tenant named, in order, each with its tenant in the `tenant` header (and, to tell them apart, in `owner`). */
    private static void publishWithTenantHeaders(List<String> tenants, String run) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (String tenant : tenants) {
                ProducerRecord<String, String> record = new ProducerRecord<>(BY_HEADER, "k",
                        "{\"owner\":\"" + tenant + "\",\"seq\":\"" + run + "\"}");
                record.headers().add("tenant", tenant.getBytes(StandardCharsets.UTF_8));
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
