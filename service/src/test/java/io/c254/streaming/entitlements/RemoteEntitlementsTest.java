package io.c254.streaming.entitlements;

import com.fasterxml.jackson.databind.ObjectMapper;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.c254.streaming.auth.Identity;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.registry.TopicDefinition;
import io.c254.streaming.registry.TopicMode;
import io.c254.streaming.testing.SteppedClock;
import io.c254.streaming.testing.TestEntitlementsService;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The entitlements service client against a real HTTP service on loopback: the contract, failing closed
 * on any answer outside it, and the cache lifetimes (ACCESS_ENTITLEMENTS_*) on a clock the test moves.
 */
class RemoteEntitlementsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DESK = "desk.orders.v1";
    private static final TopicDefinition DESK_TOPIC = new TopicDefinition(DESK, List.of("analyst"), TopicMode.STREAM, "order_id", false);
    private static final Identity ALICE = new Identity("alice", "acme", Set.of("analyst"), false);

    private final SteppedClock ticker = new SteppedClock();
    private TestEntitlementsService service;

    @BeforeEach
    void startService() throws IOException {
        service = TestEntitlementsService.start();
    }

    @AfterEach
    void stopService() {
        service.close();
    }

    private RemoteEntitlements remote(String... variables) {
        return remoteAt(service.url(), variables);
    }

    private RemoteEntitlements remoteAt(String url, String... variables) {
        Map<String, String> env = new HashMap<>(Map.of("ACCESS_ENTITLEMENTS_SERVICE_URL", url,
                "ACCESS_ENTITLEMENTS_ALLOW_TTL_SECONDS", "60", "ACCESS_ENTITLEMENTS_DENY_TTL_SECONDS", "10"));
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        return new RemoteEntitlements(ConfigLoader.load(env).entitlements(), ticker);
    }

    private static EntitlementDecision decision(CompletionStage<EntitlementDecision> check) {
        try {
            return check.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no decision within 5 s", e);
        }
    }

    @Test
    void asksWithTheContractsRequestAndTakesAnAllow() throws Exception {
        service.allow(DESK);
        RemoteEntitlements remote = remoteAt(service.url() + "/");

        EntitlementDecision decision = decision(remote.check(ALICE, DESK_TOPIC));

        assertThat(decision).isEqualTo(EntitlementDecision.ALLOWED);
        assertThat(service.requests()).containsExactly(JSON.readTree(
                "{\"user_id\":\"alice\",\"tenant_id\":\"acme\",\"topic\":\"" + DESK + "\",\"roles\":[\"analyst\"]}"));
        assertThat(remote.answering()).isTrue();
    }

    @Test
    void aDenyNamesTheRoleTheServiceRequires() {
        service.deny(DESK, "desk_head");

        assertThat(decision(remote().check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.denied("desk_head"));
    }

    @Test
    void aDenyWithoutARequiredRoleNamesNone() {
        service.answerEverythingWith(200, "{\"allowed\":false}");

        assertThat(decision(remote().check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.denied(""));
    }

    @Test
    void aServiceSlowerThanTheTimeoutIsUnavailable() {
        service.allow(DESK);
        service.holdAnswers();
        RemoteEntitlements remote = remote("ACCESS_ENTITLEMENTS_TIMEOUT_MS", "200");

        EntitlementDecision decision = decision(remote.check(ALICE, DESK_TOPIC));

        assertThat(decision).isEqualTo(EntitlementDecision.UNAVAILABLE);
        assertThat(remote.answering()).isFalse();
        service.releaseAnswers();
        soon().until(() -> decision(remote.check(ALICE, DESK_TOPIC)).allowed());
    }

    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "200|<html>maintenance</html>|answered with something that is not JSON",
            "200|{}|answered without a boolean 'allowed'",
            "200|{\"allowed\":\"true\"}|answered without a boolean 'allowed'",
            "200|{\"allowed\":1}|answered without a boolean 'allowed'",
            "200|{\"allowed\":null}|answered without a boolean 'allowed'",
            "200|[true]|answered without a boolean 'allowed'",
            "500|{\"allowed\":true}|answered HTTP 500",
            "403|{\"allowed\":false}|answered HTTP 403",
            "204|~~|answered HTTP 204"})
    void anAnswerOutsideTheContractIsUnavailableAndTheOperatorIsToldWhy(int status, String body, String logged) {
        service.answerEverythingWith(status, body == null ? "" : body);
        RemoteEntitlements remote = remote();
        Logger logger = (Logger) LoggerFactory.getLogger(RemoteEntitlements.class);
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        logger.addAppender(warnings);
        try {
            assertThat(decision(remote.check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.UNAVAILABLE);
        } finally {
            logger.detachAppender(warnings);
        }

        assertThat(remote.answering()).isFalse();
        assertThat(warnings.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).isEqualTo("entitlements service " + service.url() + "/v1/entitlements/check " + logged);
        });
    }

    @Test
    void aServiceThatCannotBeReachedIsUnavailable() {
        String url = service.url();
        service.close();
        RemoteEntitlements remote = remoteAt(url);

        assertThat(decision(remote.check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.UNAVAILABLE);
        assertThat(remote.answering()).isFalse();
    }

    @Test
    void anAllowIsTakenFromTheCacheUntilItsTtlHasPassed() {
        service.allow(DESK);
        RemoteEntitlements remote = remote("ACCESS_ENTITLEMENTS_ALLOW_TTL_SECONDS", "60");
        assertThat(decision(remote.check(ALICE, DESK_TOPIC)).allowed()).isTrue();
        service.deny(DESK, "desk_head");

        ticker.advance(Duration.ofSeconds(30));
        assertThat(decision(remote.check(ALICE, DESK_TOPIC)).allowed()).as("30 s after the allow").isTrue();
        ticker.advance(Duration.ofSeconds(29));
        assertThat(decision(remote.check(ALICE, DESK_TOPIC)).allowed()).as("59 s after the allow").isTrue();
        assertThat(service.requests()).hasSize(1);

        // the allow was stored when its answer arrived: no later than the step to 59 s, so 2 x 60 s is past its TTL
        ticker.advance(Duration.ofSeconds(61));
        assertThat(decision(remote.check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.denied("desk_head"));
        assertThat(service.requests()).hasSize(2);
    }

    @Test
    void aDenyIsTakenFromTheCacheUntilItsTtlHasPassed() {
        service.deny(DESK, "desk_head");
        RemoteEntitlements remote = remote("ACCESS_ENTITLEMENTS_DENY_TTL_SECONDS", "10");
        assertThat(decision(remote.check(ALICE, DESK_TOPIC)).allowed()).isFalse();
        service.allow(DESK);

        ticker.advance(Duration.ofSeconds(9));
        assertThat(decision(remote.check(ALICE, DESK_TOPIC))).as("9 s after the deny").isEqualTo(EntitlementDecision.denied("desk_head"));
        assertThat(service.requests()).hasSize(1);

        ticker.advance(Duration.ofSeconds(11));
        assertThat(decision(remote.check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.ALLOWED);
        assertThat(service.requests()).hasSize(2);
    }

    @Test
    void anUnavailableAnswerIsNeverCached() {
        service.allow(DESK);
        service.outage(true);
        RemoteEntitlements remote = remote();
        assertThat(decision(remote.check(ALICE, DESK_TOPIC))).isEqualTo(EntitlementDecision.UNAVAILABLE);

        service.outage(false);

        // the clock stands still: only an answer that was not kept lets the next check reach the service
        soon().until(() -> decision(remote.check(ALICE, DESK_TOPIC)).allowed());
        assertThat(remote.answering()).isTrue();
    }

    @Test
    void decisionsAreKeptPerTenantUserRolesAndTopic() {
        service.allow(DESK);
        service.allow("desk.fills.v1");
        RemoteEntitlements remote = remote();

        decision(remote.check(ALICE, DESK_TOPIC));
        decision(remote.check(ALICE, DESK_TOPIC));
        decision(remote.check(new Identity("alice", "globex", Set.of("analyst"), false), DESK_TOPIC));
        decision(remote.check(new Identity("bob", "acme", Set.of("analyst"), false), DESK_TOPIC));
        decision(remote.check(new Identity("alice", "acme", Set.of("analyst", "trader"), false), DESK_TOPIC));
        decision(remote.check(ALICE, new TopicDefinition("desk.fills.v1", List.of(), TopicMode.STREAM, null, false)));

        assertThat(service.requests()).extracting(r -> r.get("user_id").asText() + "@" + r.get("tenant_id").asText()
                + ":" + r.get("topic").asText() + ":" + r.get("roles").size())
                .containsExactly("alice@acme:" + DESK + ":1", "alice@globex:" + DESK + ":1", "bob@acme:" + DESK + ":1",
                        "alice@acme:" + DESK + ":2", "alice@acme:desk.fills.v1:1");
    }

    @Test
    void questionsAskedWhileTheSameOneIsOpenShareItsAnswer() {
        service.allow(DESK);
        service.holdAnswers();
        RemoteEntitlements remote = remote();

        CompletionStage<EntitlementDecision> first = remote.check(ALICE, DESK_TOPIC);
        CompletionStage<EntitlementDecision> second = remote.check(ALICE, DESK_TOPIC);
        soon().until(() -> service.requests().size() == 1);
        service.releaseAnswers();

        assertThat(decision(first)).isEqualTo(EntitlementDecision.ALLOWED);
        assertThat(decision(second)).isEqualTo(EntitlementDecision.ALLOWED);
        assertThat(service.requests()).hasSize(1);
    }

    @Test
    void answeringFollowsTheLastAnswer() {
        RemoteEntitlements remote = remote();
        assertThat(remote.answering()).as("before any question").isTrue();

        service.outage(true);
        decision(remote.check(ALICE, DESK_TOPIC));
        assertThat(remote.answering()).isFalse();

        service.outage(false);
        service.deny(DESK, "desk_head");
        decision(remote.check(new Identity("bob", "acme", Set.of(), false), DESK_TOPIC));
        assertThat(remote.answering()).as("a deny is an answer").isTrue();
    }

    /** Awaits a condition for up to 5 s, looking every few milliseconds. */
    private static ConditionFactory soon() {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5));
    }
}
