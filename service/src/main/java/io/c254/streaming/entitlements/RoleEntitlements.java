package io.c254.streaming.entitlements;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.registry.TopicDefinition;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The built-in rule: the token must hold any one of the topic's required roles (the first is named to the denied). */
public final class RoleEntitlements implements Entitlements {

    @Override
    public CompletionStage<EntitlementDecision> check(Identity identity, TopicDefinition topic) {
        return CompletableFuture.completedFuture(identity.hasAnyRole(topic.requiredRoles())
                ? EntitlementDecision.ALLOWED
                : EntitlementDecision.denied(topic.requiredRoles().get(0)));
    }
}
