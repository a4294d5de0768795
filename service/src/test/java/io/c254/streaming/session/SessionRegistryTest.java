package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission of connections against the limits of ACCESS_MAX_* and the release of their slots. */
class SessionRegistryTest {

    private static final Instant EXPIRY = Instant.parse("2030-01-01T00:00:00Z");

    private static SessionRegistry registry(String... variables) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        return new SessionRegistry(ConfigLoader.load(env).limits());
    }

    private static Identity user(String user, String tenant) {
        return new Identity(user, tenant, Set.of("viewer"), false);
    }

    private static Session admitted(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        return ((Admission.Admitted) admission).session();
    }

    private static Problem refused(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Refused.class);
        return ((Admission.Refused) admission).problem();
    }

    private static Admission open(SessionRegistry registry, Identity identity, Transport transport) {
        return registry.open(identity, EXPIRY, transport, new SubscriptionsTest.RecordingConnection());
    }

    @Test
    void admittedConnectionIsFoundByItsRandomIdAndCarriesWhoItIs() {
        SessionRegistry registry = registry();
        SubscriptionsTest.RecordingConnection connection = new SubscriptionsTest.RecordingConnection();
        Identity alice = user("alice", "acme");

        Session first = admitted(registry.open(alice, EXPIRY, Transport.WEBSOCKET, connection));
        Session second = admitted(open(registry, alice, Transport.SSE));

        assertThat(first.id()).matches("conn-[0-9a-f]{32}");
        assertThat(second.id()).matches("conn-[0-9a-f]{32}").isNotEqualTo(first.id());
        assertThat(first.identity()).isEqualTo(alice);
        assertThat(first.expiresAt()).isEqualTo(EXPIRY);
        assertThat(first.transport()).isEqualTo(Transport.WEBSOCKET);
        assertThat(first.connection()).isSameAs(connection);
        assertThat(first.subscriptionCount()).isZero();
        assertThat(first.topics()).isEmpty();
        assertThat(registry.find(first.id())).containsSame(first);
        assertThat(registry.find(second.id())).containsSame(second);
        assertThat(registry.sessions()).containsExactlyInAnyOrder(first, second);
    }

    @Test
    void unknownOrMissingConnectionIdIsNotFound() {
        SessionRegistry registry = registry();
        admitted(open(registry, user("alice", "acme"), Transport.SSE));

        assertThat(registry.find(null)).isEmpty();
        assertThat(registry.find("conn-0123")).isEmpty();
    }

    @Test
    void activeAndOpenedAreCountedPerTransport() {
        SessionRegistry registry = registry();
        Session ws = admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("bob", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("carol", "acme"), Transport.SSE));

        registry.close(ws);

        assertThat(registry.active(Transport.WEBSOCKET)).isEqualTo(1);
        assertThat(registry.active(Transport.SSE)).isEqualTo(1);
        assertThat(registry.opened(Transport.WEBSOCKET)).isEqualTo(2);
        assertThat(registry.opened(Transport.SSE)).isEqualTo(1);
    }

    @Test
    void fullWebSocketCapIsConnectionLimitReachedWhileSseStillOpens() {
        SessionRegistry registry = registry("ACCESS_MAX_WS_CONNECTIONS", "2");
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("bob", "globex"), Transport.WEBSOCKET));

        Problem problem = refused(open(registry, user("carol", "initech"), Transport.WEBSOCKET));

        assertThat(problem).isEqualTo(Problem.of(ErrorCode.CONNECTION_LIMIT_REACHED,
                "This instance already holds its maximum of 2 WebSocket connections; retry later"));
        admitted(open(registry, user("carol", "initech"), Transport.SSE));
        assertThat(registry.active(Transport.WEBSOCKET)).isEqualTo(2);
        assertThat(registry.opened(Transport.WEBSOCKET)).isEqualTo(2);
    }

    @Test
    void fullSseCapIsConnectionLimitReachedWhileWebSocketsStillOpen() {
        SessionRegistry registry = registry("ACCESS_MAX_SSE_CONNECTIONS", "1");
        admitted(open(registry, user("alice", "acme"), Transport.SSE));

        Problem problem = refused(open(registry, user("bob", "globex"), Transport.SSE));

        assertThat(problem).isEqualTo(Problem.of(ErrorCode.CONNECTION_LIMIT_REACHED,
                "This instance already holds its maximum of 1 SSE connections; retry later"));
        admitted(open(registry, user("bob", "globex"), Transport.WEBSOCKET));
    }

    @Test
    void userAtTheirCapIsRefusedOnEveryTransportWhileOthersOfTheTenantOpen() {
        SessionRegistry registry = registry("ACCESS_MAX_CONNECTIONS_PER_USER", "2");
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("alice", "acme"), Transport.SSE));

        Problem overWebSocket = refused(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        Problem overSse = refused(open(registry, user("alice", "acme"), Transport.SSE));

        Problem expected = Problem.of(ErrorCode.USER_CONNECTION_LIMIT_REACHED, "User alice already holds the maximum of 2 connections");
        assertThat(overWebSocket).isEqualTo(expected);
        assertThat(overSse).isEqualTo(expected);
        admitted(open(registry, user("bob", "acme"), Transport.WEBSOCKET));
    }

    @Test
    void tenantAtItsCapIsRefusedWhileOtherTenantsOpen() {
        SessionRegistry registry = registry("ACCESS_MAX_CONNECTIONS_PER_TENANT", "3");
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("bob", "acme"), Transport.SSE));
        admitted(open(registry, user("carol", "acme"), Transport.WEBSOCKET));

        Problem problem = refused(open(registry, user("dave", "acme"), Transport.SSE));

        assertThat(problem).isEqualTo(Problem.of(ErrorCode.TENANT_CONNECTION_LIMIT_REACHED,
                "Tenant acme already holds the maximum of 3 connections"));
        admitted(open(registry, user("dave", "globex"), Transport.SSE));
    }

    @Test
    void fullInstanceIsReportedBeforeTheUsersOwnCapAndTheUsersBeforeTheTenants() {
        SessionRegistry registry = registry("ACCESS_MAX_WS_CONNECTIONS", "1", "ACCESS_MAX_CONNECTIONS_PER_USER", "1",
                "ACCESS_MAX_CONNECTIONS_PER_TENANT", "1");
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));

        assertThat(refused(open(registry, user("alice", "acme"), Transport.WEBSOCKET)).code()).isEqualTo(ErrorCode.CONNECTION_LIMIT_REACHED);
        assertThat(refused(open(registry, user("alice", "acme"), Transport.SSE)).code()).isEqualTo(ErrorCode.USER_CONNECTION_LIMIT_REACHED);
        assertThat(refused(open(registry, user("bob", "acme"), Transport.SSE)).code()).isEqualTo(ErrorCode.TENANT_CONNECTION_LIMIT_REACHED);
    }

    @Test
    void closingReleasesTheTransportUserAndTenantSlots() {
        SessionRegistry registry = registry("ACCESS_MAX_WS_CONNECTIONS", "2", "ACCESS_MAX_CONNECTIONS_PER_USER", "2",
                "ACCESS_MAX_CONNECTIONS_PER_TENANT", "2");
        Session first = admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        Session second = admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        refused(open(registry, user("alice", "acme"), Transport.WEBSOCKET));

        registry.close(first);
        Session third = admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        refused(open(registry, user("alice", "acme"), Transport.WEBSOCKET));

        registry.close(second);
        registry.close(third);
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        assertThat(registry.find(first.id())).isEmpty();
        assertThat(registry.active(Transport.WEBSOCKET)).isEqualTo(2);
    }

    @Test
    void closingTwiceReleasesOneSlotOnly() {
        SessionRegistry registry = registry("ACCESS_MAX_WS_CONNECTIONS", "5", "ACCESS_MAX_CONNECTIONS_PER_USER", "3",
                "ACCESS_MAX_CONNECTIONS_PER_TENANT", "4");
        Session first = admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));

        registry.close(first);
        registry.close(first);

        assertThat(registry.active(Transport.WEBSOCKET)).isEqualTo(2);
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        assertThat(refused(open(registry, user("alice", "acme"), Transport.WEBSOCKET)).code())
                .isEqualTo(ErrorCode.USER_CONNECTION_LIMIT_REACHED);
        admitted(open(registry, user("bob", "acme"), Transport.WEBSOCKET));
        assertThat(refused(open(registry, user("carol", "acme"), Transport.WEBSOCKET)).code())
                .isEqualTo(ErrorCode.TENANT_CONNECTION_LIMIT_REACHED);
    }

    @Test
    void userIdsAreUniqueOnlyWithinATenant() {
        SessionRegistry registry = registry("ACCESS_MAX_CONNECTIONS_PER_USER", "1");
        Session acmeAlice = admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));

        admitted(open(registry, user("alice", "globex"), Transport.WEBSOCKET));
        refused(open(registry, user("alice", "acme"), Transport.WEBSOCKET));

        registry.close(acmeAlice);
        admitted(open(registry, user("alice", "acme"), Transport.WEBSOCKET));
        refused(open(registry, user("alice", "globex"), Transport.WEBSOCKET));
    }

    @Test
    void anEndedConnectionIsKnownAsEndedToItsOwnerOnly() {
        SessionRegistry registry = registry();
        Session ended = admitted(open(registry, user("alice", "acme"), Transport.SSE));
        Session live = admitted(open(registry, user("alice", "acme"), Transport.SSE));
        registry.close(ended);

        assertThat(registry.endedFor(ended.id(), user("alice", "acme"))).isTrue();
        assertThat(registry.endedFor(ended.id(), new Identity("alice", "acme", Set.of("admin"), false)))
                .as("the same user with other roles (a refreshed token)").isTrue();
        assertThat(registry.endedFor(ended.id(), user("bob", "acme"))).isFalse();
        assertThat(registry.endedFor(ended.id(), user("alice", "globex"))).isFalse();
        assertThat(registry.endedFor(live.id(), user("alice", "acme"))).isFalse();
        assertThat(registry.endedFor("conn-unknown", user("alice", "acme"))).isFalse();
        assertThat(registry.endedFor(null, user("alice", "acme"))).isFalse();
    }
}
