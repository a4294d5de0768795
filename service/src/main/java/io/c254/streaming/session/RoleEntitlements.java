package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.registry.TopicDefinition;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The built-in rule: the token must hold any one of the topic's required roles. */
public final class RoleEntitlements implements Entitlements {

    @Override
    public CompletionStage<EntitlementDecision> check(Identity identity, TopicDefinition topic) {
        if (identity.hasAnyRole(topic.requiredRoles())) {
            return CompletableFuture.completedFuture(EntitlementDecision.ALLOWED);
        }
        String required = topic.requiredRoles().get(0);
        return CompletableFuture.completedFuture(new EntitlementDecision(false, required));
    }
}
