package io.c254.streaming.hub;

import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who is subscribed to what, sharded by event loop: each loop owns the subscriptions of its own
 * connections ({@link LoopShard}), so matching runs on every loop in parallel and no shard needs a lock.
 * On a tenant-scoped topic each tenant has subscriptions of their own, so a record can only ever be
 * matched against its own tenant's subscribers, whatever their filters say. Safe to call from any thread:
 * a change made off the owning loop is handed to it, and the subscription's active flag stops matching at once.
 */
public final class SubscriptionIndex {

    private final Map<EventExecutor, LoopShard> shards = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> activeByTopic = new ConcurrentHashMap<>();
    private final History history;
    private final LatestValues latestValues;
    private volatile Positions latest = Positions.NONE;
    private final LongAdder conflatedSlow = new LongAdder();
    private final LongAdder conflatedRate = new LongAdder();

    /** An index whose subscriptions cannot resume (a cursor's topics go on from live) and get no snapshots: the hub alone. */
    public SubscriptionIndex() {
        this(History.NONE, LatestValues.NONE);
    }

    /**
     * @param history      where resuming subscriptions read what their clients missed
     * @param latestValues the current values of `latest` topics, sent first to a new subscription to one
     */
    public SubscriptionIndex(History history, LatestValues latestValues) {
        this.history = history;
        this.latestValues = latestValues;
    }

    public Subscription subscribe(Subscriber subscriber, String topic, Filter filter) {
        return subscribe(subscriber, topic, null, filter, null);
    }

    /**
     * @param tenant the subscriber's tenant on a tenant-scoped topic; null on other topics
     * @param from   where the client resumes from in the topic, its missed records read from the history
     *               first; null to start live
     */
    public Subscription subscribe(Subscriber subscriber, String topic, String tenant, Filter filter, ResumeFrom from) {
        return subscribe(subscriber, topic, tenant, filter, from, 0);
    }

    /**
     * @param maxRate the most messages a second the client asked for on a `latest` topic: faster updates are
     *                conflated, newest value per key; 0 for no cap (ignored on `stream` topics: every record matters)
     */
    public Subscription subscribe(Subscriber subscriber, String topic, String tenant, Filter filter, ResumeFrom from, int maxRate) {
        Subscription subscription = new Subscription(subscriber, topic, tenant, filter, from, latestValues.isLatest(topic) ? maxRate : 0);
        activeByTopic.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
        LoopShard shard = shards.computeIfAbsent(subscriber.executor(), loop -> new LoopShard(loop, history, latestValues, () -> latest, conflatedSlow, conflatedRate));
        shard.counted(1);
        onLoop(shard, () -> {
            // an unsubscribe may have overtaken this change; its removal found nothing to remove
            if (subscription.isActive()) {
                shard.add(subscription);
            }
        });
        return subscription;
    }

    public void unsubscribe(Subscription subscription) {
        if (!subscription.end()) {
            return;
        }
        activeByTopic.get(subscription.topic()).decrementAndGet();
        LoopShard shard = shards.get(subscription.subscriber().executor());
        shard.counted(-1);
        onLoop(shard, () -> shard.remove(subscription));
    }

    private static void onLoop(LoopShard shard, Runnable change) {
        if (shard.loop().inEventLoop()) {
            change.run();
            return;
        }
        try {
            shard.loop().execute(change);
        } catch (RejectedExecutionException shuttingDown) {
            // the loop is gone, and its connections with it
        }
    }

    /**
     * On the subscriber's event loop: its resume cursor as it stands, over the topics it holds (once a
     * subscribe has been applied there). What a client that has had no message yet resumes from.
     */
    public String cursor(Subscriber subscriber) {
        LoopShard shard = shards.get(subscriber.executor());
        return shard == null ? Cursor.of(Map.of()).encode() : shard.cursorOf(subscriber);
    }

    /** Updates of `latest` topics a newer value replaced before they reached a backed-up client. */
    public long conflatedForSlowClients() {
        return conflatedSlow.sum();
    }

    /** Updates of `latest` topics a newer value replaced before the rate their client asked for let them go. */
    public long conflatedForRate() {
        return conflatedRate.sum();
    }

    /** Where the source stands, told with each batch before it is handed to the loops in use (and when partitions change). */
    void latest(Positions positions) {
        latest = positions;
    }

    /** The shards that hold at least one subscription: the loops a batch must be handed to. */
    List<LoopShard> shardsInUse() {
        List<LoopShard> inUse = new ArrayList<>(shards.size());
        for (LoopShard shard : shards.values()) {
            if (!shard.isEmpty()) {
                inUse.add(shard);
            }
        }
        return inUse;
    }

    /** Active subscriptions per topic (all tenants together), topics with none left out. */
    public Map<String, Integer> countsByTopic() {
        Map<String, Integer> counts = new TreeMap<>();
        activeByTopic.forEach((topic, count) -> {
            int active = count.get();
            if (active > 0) {
                counts.put(topic, active);
            }
        });
        return counts;
    }
}
