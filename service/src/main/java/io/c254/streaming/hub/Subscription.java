package io.c254.streaming.hub;

/**
 * One subscriber's interest in one topic, narrowed by a filter. Equality is identity: subscribing again
 * with the same filter makes a new subscription that replaces the old one.
 */
public final class Subscription {

    private final Subscriber subscriber;
    private final String topic;
    private final String tenant;
    private final Filter filter;
    /** Cleared on unsubscribe, on the caller's thread: the owning event loop stops matching it at once. */
    private volatile boolean active = true;
    /** The topics its subscriber holds on the owning loop, kept current there: what a delivery's cursor covers. */
    private TopicSet topicSet;
    /** Where its client resumed from; null for a subscription that starts live. */
    private final ResumeFrom resumeFrom;
    /** While it catches up from its client's cursor; null once live. Loop only. */
    private Resume resume;

    Subscription(Subscriber subscriber, String topic, String tenant, Filter filter, ResumeFrom resumeFrom) {
        this.subscriber = subscriber;
        this.topic = topic;
        this.tenant = tenant;
        this.filter = filter;
        this.resumeFrom = resumeFrom;
    }

    public boolean isActive() {
        return active;
    }

    /** Ends the subscription; true only for the call that ended it. */
    synchronized boolean end() {
        boolean wasActive = active;
        active = false;
        return wasActive;
    }

    /** The tenant whose records this subscription may see on a tenant-scoped topic; null elsewhere. */
    public String tenant() {
        return tenant;
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

    TopicSet topicSet() {
        return topicSet;
    }

    void topicSet(TopicSet topicSet) {
        this.topicSet = topicSet;
    }

    ResumeFrom resumeFrom() {
        return resumeFrom;
    }

    Resume resume() {
        return resume;
    }

    void resume(Resume resume) {
        this.resume = resume;
    }
}
