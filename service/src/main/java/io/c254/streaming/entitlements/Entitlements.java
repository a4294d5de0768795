package io.c254.streaming.entitlements;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.registry.TopicDefinition;

import java.util.concurrent.CompletionStage;

/** Decides whether an identity may read a topic. Asynchronous, so that a remote service never blocks an event loop. */
public interface Entitlements {
    CompletionStage<EntitlementDecision> check(Identity identity, TopicDefinition topic);
}
