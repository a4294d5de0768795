package io.c254.streaming.hub;

/**
 * One subscriber's interest in one topic, narrowed by a filter. Equality is identity: subscribing again
 * with the same filter makes a new subscription that replaces the old one.
 */
public final class Subscription {

    private final Subscriber subscriber;
    private final String topic;
    private final Filter filter;

    Subscription(Subscriber subscriber, String topic, Filter filter) {
        this.subscriber = subscriber;
        this.topic = topic;
        this.filter = filter;
    }

    public Subscriber subscriber() {
        return subscriber;
    }

    public String topic() {
        return topic;
    }

    public Filter filter() {
        return filter;
    }
}
