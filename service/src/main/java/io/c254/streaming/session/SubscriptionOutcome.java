package io.c254.streaming.session;

import io.c254.streaming.hub.Filter;

/** What became of a request to subscribe to or unsubscribe from one topic. */
public sealed interface SubscriptionOutcome {

    String topic();

    record Subscribed(String topic, Filter filter) implements SubscriptionOutcome {
    }

    record Unsubscribed(String topic) implements SubscriptionOutcome {
    }

    record Refused(String topic, Problem problem) implements SubscriptionOutcome {
    }
}
