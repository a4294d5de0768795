package io.c254.streaming.hub;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import java.time.Duration;

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
    /** Updates of a `latest` topic waiting for its subscriber; null while it takes them as they come. Loop only. */
    private Conflation conflation;
    /** The most messages a second its client asked for (a `latest` topic's), as a token bucket; null for no cap. */
    private final Bucket rate;
    /** No resume, no values waiting, no cap: a delivery is a write and nothing else. Loop only. */
    private boolean plain;

    Subscription(Subscriber subscriber, String topic, String tenant, Filter filter, ResumeFrom resumeFrom, int maxRate) {
        this.rate = maxRate <= 0 ? null : Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(maxRate).refillGreedy(maxRate, Duration.ofSeconds(1)).build()).build();
        this.subscriber = subscriber;
        this.topic = topic;
        this.tenant = tenant;
        this.filter = filter;
        this.resumeFrom = resumeFrom;
        this.plain = rate == null;
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
        plain = resume == null && conflation == null && rate == null;
    }

    /** Whether a delivery to it is a plain write: no resume under way, no values waiting, no rate cap. */
    boolean plain() {
        return plain;
    }

    Conflation conflation() {
        return conflation;
    }

    void conflation(Conflation conflation) {
        this.conflation = conflation;
        plain = resume == null && conflation == null && rate == null;
    }

    Bucket rate() {
        return rate;
    }

    /** Whether its client's position in the topic is its own rather than its event loop's: resuming, or values waiting. */
    boolean ownsPosition() {
        return resume != null || conflation != null;
    }

    /** Its client's position in the topic, given the loop's. */
    long[] cursorOffsets(long[] live) {
        long[] offsets = resume == null ? live : resume.cursorOffsets(live);
        return conflation == null ? offsets : conflation.cursorOffsets(offsets);
    }
}
