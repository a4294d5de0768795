package io.c254.streaming.entitlements;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicMode;
import io.c254.streaming.testing.TestEntitlementsService;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry's roles first; only when they allow does the entitlements service decide. */
class LayeredEntitlementsTest {

    private static final TopicDefinition CURVES = new TopicDefinition("pricing.curve.updates.v1", List.of("analyst", "trader"),
            TopicMode.STREAM, "curve_id", false);
    private static final Identity ANALYST = new Identity("alice", "acme", Set.of("analyst"), false);
    private static final Identity VIEWER = new Identity("bob", "acme", Set.of("viewer"), false);

    private final List<String> remoteAsked = new CopyOnWriteArrayList<>();

    private Entitlements remoteAnswering(EntitlementDecision decision) {
        return (identity, topic) -> {
            remoteAsked.add(identity.userId() + ":" + topic.name());
            return CompletableFuture.completedFuture(decision);
        };
    }

    @Test
    void whenTheRolesAllowTheServiceHasTheLastWord() throws Exception {
        for (EntitlementDecision remote : List.of(EntitlementDecision.ALLOWED, EntitlementDecision.denied("desk_head"),
                EntitlementDecision.UNAVAILABLE)) {
            LayeredEntitlements layered = new LayeredEntitlements(new RoleEntitlements(), remoteAnswering(remote));

            assertThat(check(layered, ANALYST)).isEqualTo(remote);
        }
        assertThat(remoteAsked).containsExactly("alice:" + CURVES.name(), "alice:" + CURVES.name(), "alice:" + CURVES.name());
    }

    @Test
    void whenTheRolesDenyTheServiceIsNotAsked() throws Exception {
        LayeredEntitlements layered = new LayeredEntitlements(new RoleEntitlements(), remoteAnswering(EntitlementDecision.ALLOWED));

        assertThat(check(layered, VIEWER)).isEqualTo(EntitlementDecision.denied("analyst"));
        assertThat(remoteAsked).isEmpty();
    }

    @Test
    void aRealServiceIsAskedOnlyAboutWhatTheRolesAllow() throws Exception {
        try (TestEntitlementsService service = TestEntitlementsService.start()) {
            service.deny(CURVES.name(), "desk_head");
            LayeredEntitlements layered = new LayeredEntitlements(new RoleEntitlements(), new RemoteEntitlements(
                    ConfigLoader.load(Map.of("ACCESS_ENTITLEMENTS_SERVICE_URL", service.url())).entitlements()));

            assertThat(check(layered, VIEWER)).isEqualTo(EntitlementDecision.denied("analyst"));
            assertThat(check(layered, ANALYST)).isEqualTo(EntitlementDecision.denied("desk_head"));
            assertThat(service.requests()).extracting(request -> request.get("user_id").asText()).containsExactly("alice");
        }
    }

    private static EntitlementDecision check(Entitlements entitlements, Identity identity) throws Exception {
        return entitlements.check(identity, CURVES).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
