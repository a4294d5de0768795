package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.hub.Subscription;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client connection: who it is, how it is reached, and what it is subscribed to (one subscription per
 * topic). Subscriptions change on the connection's event loop and, for SSE, from the subscribe endpoint,
 * so the map is concurrent and attach/detach-all synchronize on the session.
 */
public final class Session {

    private final String id;
    private volatile Identity identity;
    /** When the token expires; null for a token without expiry (local test token). */
    private volatile Instant expiresAt;
    private final Transport transport;
    private final Connection connection;
    private final long openedAtMillis = System.currentTimeMillis();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private boolean closed;

    Session(String id, Identity identity, Instant expiresAt, Transport transport, Connection connection) {
        this.id = id;
        this.identity = identity;
        this.expiresAt = expiresAt;
        this.transport = transport;
        this.connection = connection;
    }

    public String id() {
        return id;
    }

    public Identity identity() {
        return identity;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    /** A fresh token for the same user and tenant: roles may have changed, the expiry moves. */
    public void refresh(Identity renewed, Instant newExpiry) {
        if (!renewed.userId().equals(identity.userId()) || !renewed.tenantId().equals(identity.tenantId())) {
            throw new IllegalArgumentException("a refresh must keep the user and tenant");
        }
        this.identity = renewed;
        this.expiresAt = newExpiry;
    }

    public int subscriptionCount() {
        return subscriptions.size();
    }

    public Transport transport() {
        return transport;
    }

    public Connection connection() {
        return connection;
    }

    public long openedAtMillis() {
        return openedAtMillis;
    }

    public Set<String> topics() {
        return new TreeSet<>(subscriptions.keySet());
    }

    /** Stores a subscription unless the session closed meanwhile; returns the one it replaces, or null. */
    synchronized Subscription attach(Subscription subscription, Runnable onClosed) {
        if (closed) {
            onClosed.run();
            return null;
        }
        return subscriptions.put(subscription.topic(), subscription);
    }

    Subscription detach(String topic) {
        return subscriptions.remove(topic);
    }

    /** Marks the session closed and hands back everything it was subscribed to. */
    synchronized List<Subscription> detachAll() {
        closed = true;
        List<Subscription> all = List.copyOf(subscriptions.values());
        subscriptions.clear();
        return all;
    }
}
