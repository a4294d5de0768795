package io.c254.streaming.session;

import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A connection's identity over its life: a refreshed token may change roles and expiry, never who it is. */
class SessionTest {

    private static final Instant FIRST_EXPIRY = Instant.parse("2030-01-01T00:00:00Z");
    private static final Instant LATER_EXPIRY = Instant.parse("2030-01-01T01:00:00Z");
    private static final Identity ALICE = new Identity("alice", "acme", Set.of("analyst"), false);

    private final SessionRegistry registry = new SessionRegistry(ConfigLoader.load(Map.of()).limits());

    @Test
    void refreshWithTheSameUserAndTenantTakesTheNewRolesAndExpiry() {
        Session session = open();
        Identity renewed = new Identity("alice", "acme", Set.of("viewer", "trader"), false);

        session.refresh(renewed, LATER_EXPIRY);

        assertThat(session.identity()).isEqualTo(renewed);
        assertThat(session.userId()).isEqualTo("alice");
        assertThat(session.tenantId()).isEqualTo("acme");
        assertThat(session.expiresAt()).isEqualTo(LATER_EXPIRY);
    }

    @Test
    void refreshNamingAnotherUserIsRefusedAndChangesNothing() {
        Session session = open();

        assertThatThrownBy(() -> session.refresh(new Identity("mallory", "acme", Set.of("admin"), false), LATER_EXPIRY))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a refresh must keep the user and tenant");
        assertThat(session.identity()).isEqualTo(ALICE);
        assertThat(session.expiresAt()).isEqualTo(FIRST_EXPIRY);
    }

    @Test
    void refreshNamingAnotherTenantIsRefusedAndChangesNothing() {
        Session session = open();

        assertThatThrownBy(() -> session.refresh(new Identity("alice", "globex", Set.of("admin"), false), LATER_EXPIRY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(session.identity()).isEqualTo(ALICE);
        assertThat(session.expiresAt()).isEqualTo(FIRST_EXPIRY);
    }

    @Test
    void aSessionKnowsWhenItOpened() {
        long before = System.currentTimeMillis();
        Session session = open();
        long after = System.currentTimeMillis();

        assertThat(session.openedAtMillis()).isBetween(before, after);
    }

    private Session open() {
        return ((Admission.Admitted) registry.open(ALICE, FIRST_EXPIRY, Transport.SSE, new SubscriptionsTest.RecordingConnection())).session();
    }
}
