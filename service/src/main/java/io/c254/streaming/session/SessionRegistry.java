package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.Config.ConnectionLimits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The open connections of this instance and the limits on them: per transport, per user, per tenant.
 * Opening and closing are rare next to messages, so they take one lock; lookups do not.
 */
public final class SessionRegistry {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConnectionLimits limits;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new HashMap<>();
    private final Map<String, Integer> perTenant = new HashMap<>();
    private final Map<Transport, Integer> active = new EnumMap<>(Transport.class);
    private final Map<Transport, LongAdder> opened = new EnumMap<>(Transport.class);
    /** Ended connections → their owner, for a while: the owner may still ask about one (see {@link #endedFor}). */
    private final Cache<String, String> ended = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(10)).maximumSize(100_000).build();

    public SessionRegistry(ConnectionLimits limits) {
        this.limits = limits;
        for (Transport transport : Transport.values()) {
            active.put(transport, 0);
            opened.put(transport, new LongAdder());
        }
    }

    public synchronized Admission open(Identity identity, Instant expiresAt, Transport transport, Connection connection) {
        Problem refusal = refusal(identity, transport);
        if (refusal != null) {
            return new Admission.Refused(refusal);
        }
        Session session = new Session(newConnectionId(), identity, expiresAt, transport, connection);
        sessions.put(session.id(), session);
        perUser.merge(userKey(identity), 1, Integer::sum);
        perTenant.merge(identity.tenantId(), 1, Integer::sum);
        active.merge(transport, 1, Integer::sum);
        opened.get(transport).increment();
        return new Admission.Admitted(session);
    }

    /** Releases the session's slot; closing twice is harmless. */
    public synchronized void close(Session session) {
        if (sessions.remove(session.id()) == null) {
            return;
        }
        Identity identity = session.identity();
        ended.put(session.id(), userKey(identity));
        perUser.computeIfPresent(userKey(identity), (k, n) -> n > 1 ? n - 1 : null);
        perTenant.computeIfPresent(identity.tenantId(), (k, n) -> n > 1 ? n - 1 : null);
        active.merge(session.transport(), -1, Integer::sum);
    }

    public Optional<Session> find(String connectionId) {
        return connectionId == null ? Optional.empty() : Optional.ofNullable(sessions.get(connectionId));
    }

    /** Whether this connection id belonged to this identity and has ended lately. */
    public boolean endedFor(String connectionId, Identity identity) {
        return connectionId != null && userKey(identity).equals(ended.getIfPresent(connectionId));
    }

    public Collection<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    public synchronized int active(Transport transport) {
        return active.get(transport);
    }

    public long opened(Transport transport) {
        return opened.get(transport).sum();
    }

    private Problem refusal(Identity identity, Transport transport) {
        int cap = transport == Transport.WEBSOCKET ? limits.maxWebSocketConnections() : limits.maxSseConnections();
        if (active.get(transport) >= cap) {
            return Problem.of(ErrorCode.CONNECTION_LIMIT_REACHED,
                    "This instance already holds its maximum of " + cap + " " + label(transport) + " connections; retry later");
        }
        if (perUser.getOrDefault(userKey(identity), 0) >= limits.maxConnectionsPerUser()) {
            return Problem.of(ErrorCode.USER_CONNECTION_LIMIT_REACHED,
                    "User " + identity.userId() + " already holds the maximum of " + limits.maxConnectionsPerUser() + " connections");
        }
        if (perTenant.getOrDefault(identity.tenantId(), 0) >= limits.maxConnectionsPerTenant()) {
            return Problem.of(ErrorCode.TENANT_CONNECTION_LIMIT_REACHED,
                    "Tenant " + identity.tenantId() + " already holds the maximum of " + limits.maxConnectionsPerTenant() + " connections");
        }
        return null;
    }

    /** User ids are only unique within a tenant. */
    private static String userKey(Identity identity) {
        return identity.tenantId() + '\u0000' + identity.userId();
    }

    private static String label(Transport transport) {
        return transport == Transport.WEBSOCKET ? "WebSocket" : "SSE";
    }

    private static String newConnectionId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return "conn-" + HexFormat.of().formatHex(bytes);
    }
}
