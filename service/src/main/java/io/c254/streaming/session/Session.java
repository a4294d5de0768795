package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.hub.Subscription;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client connection: who it is, how it is reached, and what it is subscribed to (one subscription per
 * topic). Its subscriptions change only on the connection's event loop, one command at a time (see
 * {@link CommandSequence}); other threads may read them (the map is concurrent for that).
 */
public final class Session {

    private final String id;
    private volatile Identity identity;
    /** When the token expires; null for a token without expiry (local test token). */
    private volatile Instant expiresAt;
    private final Transport transport;
    private final Connection connection;
    private final CommandSequence commands;
    private final long openedAtMillis = System.currentTimeMillis();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private volatile boolean ended;

    Session(String id, Identity identity, Instant expiresAt, Transport transport, Connection connection) {
        this.id = id;
        this.identity = identity;
        this.expiresAt = expiresAt;
        this.transport = transport;
        this.connection = connection;
        this.commands = new CommandSequence(connection.executor());
    }

    public String id() {
        return id;
    }

    public Identity identity() {
        return identity;
    }

    public String userId() {
        return identity.userId();
    }

    public String tenantId() {
        return identity.tenantId();
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    /** Whether a token for this identity may act on this connection: the same user of the same tenant (roles may differ). */
    boolean ownedBy(Identity other) {
        return other.userId().equals(identity.userId()) && other.tenantId().equals(identity.tenantId());
    }

    /** A fresh token for the same user and tenant: roles may have changed, the expiry moves. */
    void refresh(Identity renewed, Instant newExpiry) {
        if (!ownedBy(renewed)) {
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

    CommandSequence commands() {
        return commands;
    }

    /** The stage, completing on this connection's event loop (at once when it already has): what depends on it runs there. */
    <T> CompletableFuture<T> onLoop(CompletableFuture<T> stage) {
        return CommandSequence.completingOn(commands.loop(), stage);
    }

    boolean holds(String topic) {
        return subscriptions.containsKey(topic);
    }

    /** Whether the connection has ended: nothing attaches any more. */
    boolean ended() {
        return ended;
    }

    /** Stores a subscription; returns the one it replaces, or null. On the event loop, while the session is open. */
    Subscription attach(Subscription subscription) {
        return subscriptions.put(subscription.topic(), subscription);
    }

    Subscription detach(String topic) {
        return subscriptions.remove(topic);
    }

    /** Marks the session ended and hands back everything it was subscribed to. */
    List<Subscription> detachAll() {
        ended = true;
        List<Subscription> all = List.copyOf(subscriptions.values());
        subscriptions.clear();
        return all;
    }
}
