package io.c254.streaming.entitlements;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.registry.TopicDefinition;

import java.util.concurrent.CompletionStage;

/** The registry's roles first (cheap, local); when they allow, the entitlements service has the last word. */
public final class LayeredEntitlements implements Entitlements {

    private final Entitlements roles;
    private final Entitlements remote;

    public LayeredEntitlements(Entitlements roles, Entitlements remote) {
        this.roles = roles;
        this.remote = remote;
    }

    @Override
    public CompletionStage<EntitlementDecision> check(Identity identity, TopicDefinition topic) {
        return roles.check(identity, topic).thenCompose(decision -> decision.allowed()
                ? remote.check(identity, topic)
                : java.util.concurrent.CompletableFuture.completedFuture(decision));
    }
}
