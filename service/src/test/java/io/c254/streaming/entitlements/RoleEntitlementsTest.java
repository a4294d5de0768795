package io.c254.streaming.entitlements;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicMode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry's rule: any one of the topic's required roles; the first one is named to the denied. */
class RoleEntitlementsTest {

    private static final TopicDefinition CURVES = new TopicDefinition("pricing.curve.updates.v1", List.of("analyst", "trader", "admin"),
            TopicMode.STREAM, "curve_id", false);
    private final RoleEntitlements roles = new RoleEntitlements();

    @Test
    void anyOneOfTheRequiredRolesIsEnough() throws Exception {
        assertThat(check(new Identity("alice", "acme", Set.of("trader"), false), CURVES)).isEqualTo(EntitlementDecision.ALLOWED);
        assertThat(check(new Identity("alice", "acme", Set.of("viewer", "admin"), false), CURVES)).isEqualTo(EntitlementDecision.ALLOWED);
    }

    @Test
    void withoutAnyOfThemTheFirstRequiredRoleIsNamed() throws Exception {
        assertThat(check(new Identity("bob", "acme", Set.of("viewer"), false), CURVES)).isEqualTo(EntitlementDecision.denied("analyst"));
        assertThat(check(new Identity("bob", "acme", Set.of(), false), CURVES)).isEqualTo(EntitlementDecision.denied("analyst"));
    }

    @Test
    void aTopicRequiringNoRoleIsOpenToAnyUser() throws Exception {
        TopicDefinition open = new TopicDefinition("status.v1", List.of(), TopicMode.LATEST, null, false);

        assertThat(check(new Identity("bob", "acme", Set.of(), false), open)).isEqualTo(EntitlementDecision.ALLOWED);
    }

    @Test
    void theLocalTestIdentityHoldsEveryRole() throws Exception {
        assertThat(check(new Identity("user-123", "tenant-1", Set.of(), true), CURVES)).isEqualTo(EntitlementDecision.ALLOWED);
    }

    private EntitlementDecision check(Identity identity, TopicDefinition topic) throws Exception {
        return roles.check(identity, topic).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }
}
