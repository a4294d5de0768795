package io.c254.streaming.entitlements;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.Config.EntitlementSettings;
import io.c254.streaming.registry.TopicDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Asks the entitlements service, without blocking (JDK HttpClient async), and caches its answers:
 * allows and denies for their own TTLs, failures not at all. The contract (README "Entitlements"):
 * `POST {url}/v1/entitlements/check` with `{"user_id","tenant_id","topic","roles"}` answers 200
 * `{"allowed": true|false, "required_role": "..."}`; anything else means UNAVAILABLE.
 */
public final class RemoteEntitlements implements Entitlements {

    private static final Logger log = LoggerFactory.getLogger(RemoteEntitlements.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CHECK_PATH = "/v1/entitlements/check";

    private final URI endpoint;
    private final EntitlementSettings settings;
    private final HttpClient http;
    private final AsyncCache<Key, EntitlementDecision> decisions;
    /** Whether the last question got an answer; health reports it. */
    private volatile boolean answering = true;

    private record Key(String tenant, String user, Set<String> roles, String topic) {
    }

    public RemoteEntitlements(EntitlementSettings settings) {
        this(settings, Ticker.systemTicker());
    }

    /** @param ticker the clock that ages cached decisions (the system's in production; a test may step it) */
    RemoteEntitlements(EntitlementSettings settings, Ticker ticker) {
        this.settings = settings;
        this.endpoint = URI.create(settings.serviceUrl().orElseThrow().replaceAll("/+$", "") + CHECK_PATH);
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        this.decisions = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumSize(100_000)
                .expireAfter(new DecisionExpiry(settings))
                .buildAsync();
    }

    /** For /health: the service answered the last question it was asked (true before any was asked). */
    public boolean answering() {
        return answering;
    }

    @Override
    public CompletionStage<EntitlementDecision> check(Identity identity, TopicDefinition topic) {
        Key key = new Key(identity.tenantId(), identity.userId(), identity.roles(), topic.name());
        return decisions.get(key, (k, executor) -> ask(k));
    }

    private CompletableFuture<EntitlementDecision> ask(Key key) {
        ObjectNode body = JSON.createObjectNode().put("user_id", key.user()).put("tenant_id", key.tenant()).put("topic", key.topic());
        key.roles().forEach(body.putArray("roles")::add);
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(this::decision)
                .thenApply(decision -> {
                    answering = decision.verdict() != EntitlementDecision.Verdict.UNAVAILABLE;
                    return decision;
                })
                .exceptionally(failure -> {
                    answering = false;
                    log.warn("entitlements service {} did not answer: {}", endpoint, failure.toString());
                    return EntitlementDecision.UNAVAILABLE;
                });
    }

    private EntitlementDecision decision(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            log.warn("entitlements service {} answered HTTP {}", endpoint, response.statusCode());
            return EntitlementDecision.UNAVAILABLE;
        }
        try {
            JsonNode answer = JSON.readTree(response.body());
            JsonNode allowed = answer.get("allowed");
            if (allowed == null || !allowed.isBoolean()) {
                log.warn("entitlements service {} answered without a boolean 'allowed'", endpoint);
                return EntitlementDecision.UNAVAILABLE;
            }
            return allowed.booleanValue() ? EntitlementDecision.ALLOWED : EntitlementDecision.denied(answer.path("required_role").asText(""));
        } catch (IOException e) {
            log.warn("entitlements service {} answered with something that is not JSON", endpoint);
            return EntitlementDecision.UNAVAILABLE;
        }
    }

    /** Allows and denies live for their TTLs; an UNAVAILABLE answer is gone at once, so the next check asks again. */
    private record DecisionExpiry(EntitlementSettings settings) implements Expiry<Key, EntitlementDecision> {
        @Override
        public long expireAfterCreate(Key key, EntitlementDecision decision, long now) {
            return switch (decision.verdict()) {
                case ALLOWED -> settings.allowTtl().toNanos();
                case DENIED -> settings.denyTtl().toNanos();
                case UNAVAILABLE -> 0;
            };
        }

        @Override
        public long expireAfterUpdate(Key key, EntitlementDecision decision, long now, long current) {
            return expireAfterCreate(key, decision, now);
        }

        @Override
        public long expireAfterRead(Key key, EntitlementDecision decision, long now, long current) {
            return current;
        }
    }
}
