package io.c254.streaming.auth;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.benmanes.caffeine.cache.Ticker;
import io.c254.streaming.config.ConfigLoader;
import io.c254.streaming.testing.SteppedClock;
import io.c254.streaming.testing.TestIssuer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.c254.streaming.auth.Verifications.rejected;
import static io.c254.streaming.auth.Verifications.verified;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The signing keys of a real OIDC issuer on loopback: discovery, rotation, outages, and the limit of one
 * fetch per {@link RemoteKeys#MIN_REFETCH} for unknown key ids. Intervals are measured on a clock the test
 * moves, so that waiting for the next allowed fetch costs no more than the test allows it.
 */
class RemoteKeysTest {

    private static final Duration REFRESH = Duration.ofMinutes(5);

    private final SteppedClock ticker = new SteppedClock();
    private TestIssuer issuer;
    private final List<Thread> started = new ArrayList<>();

    @BeforeEach
    void startIssuer() throws IOException {
        issuer = TestIssuer.start();
    }

    @AfterEach
    void stopIssuerAndThreads() throws InterruptedException {
        started.forEach(Thread::interrupt);
        for (Thread thread : started) {
            thread.join(5_000);
        }
        issuer.close();
    }

    private RemoteKeys keys() {
        return keys(issuer.url());
    }

    private RemoteKeys keys(String url) {
        return new RemoteKeys(url, REFRESH, RemoteKeys.MIN_REFETCH, ticker);
    }

    /** The verifier of a production service using these keys. */
    private static Authenticator verifierOf(RemoteKeys keys) {
        return Authenticator.from(ConfigLoader.load(Map.of("ACCESS_ENV", "production")), keys, Runnable::run);
    }

    private String token() {
        return issuer.rs256(issuer.claims("alice", "acme", "analyst").build());
    }

    @Test
    void keysFoundThroughDiscoveryStayFreshForTwoRefreshIntervals() {
        RemoteKeys keys = keys();
        assertThat(keys.fresh()).isFalse();

        keys.refresh();

        assertThat(keys.fresh()).isTrue();
        assertThat(issuer.jwksRequests()).isEqualTo(1);
        ticker.advance(REFRESH.multipliedBy(2).minusNanos(1));
        assertThat(keys.fresh()).isTrue();
        ticker.advance(Duration.ofNanos(1));
        assertThat(keys.fresh()).isFalse();
    }

    @Test
    void aServiceThatCanVerifyOnlyWithFreshKeysSaysSo() {
        RemoteKeys keys = keys();
        Authenticator authenticator = verifierOf(keys);
        assertThat(authenticator.canVerify()).isFalse();

        keys.refresh();
        assertThat(authenticator.canVerify()).isTrue();

        ticker.advance(REFRESH.multipliedBy(2));
        assertThat(authenticator.canVerify()).isFalse();
    }

    @Test
    void theFirstTokenLoadsTheKeysAndLaterOnesUseThem() {
        Authenticator authenticator = verifierOf(keys());

        verified(authenticator.authenticateNow(token()));
        verified(authenticator.authenticateNow(issuer.es256(issuer.claims("bob", "acme").build())));

        assertThat(issuer.jwksRequests()).isEqualTo(1);
    }

    @Test
    void aJwksUrlWithoutDiscoveryDocumentIsUsedAsIs() {
        RemoteKeys keys = keys(issuer.url() + "/jwks");

        verified(verifierOf(keys).authenticateNow(token()));
        assertThat(keys.fresh()).isTrue();
    }

    @Test
    void aRefreshPicksUpRotatedKeys() {
        RemoteKeys keys = keys();
        Authenticator authenticator = verifierOf(keys);
        verified(authenticator.authenticateNow(token()));
        issuer.rotate();

        ticker.advance(REFRESH);
        keys.refresh();

        verified(authenticator.authenticateNow(token()));
        assertThat(issuer.jwksRequests()).as("the rotated key came with the refresh").isEqualTo(2);
    }

    @Test
    void aTokenSignedWithARotatedOutKeyIsRefused() {
        RemoteKeys keys = keys();
        Authenticator authenticator = verifierOf(keys);
        verified(authenticator.authenticateNow(token()));
        issuer.rotate();
        ticker.advance(REFRESH);
        keys.refresh();

        ticker.advance(RemoteKeys.MIN_REFETCH);
        String reason = rejected(authenticator.authenticateNow(issuer.rs256WithRetiredKey(issuer.claims("alice", "acme").build())));

        assertThat(reason).startsWith("token rejected:");
        assertThat(issuer.jwksRequests()).as("its unknown key id was looked up once more").isEqualTo(3);
    }

    @Test
    void aTokenWithANewKeyIdAfterTheWindowFetchesAtOnce() {
        Authenticator authenticator = verifierOf(keys());
        verified(authenticator.authenticateNow(token()));
        issuer.rotate();

        ticker.advance(RemoteKeys.MIN_REFETCH);

        verified(authenticator.authenticateNow(token()));
        assertThat(issuer.jwksRequests()).isEqualTo(2);
    }

    @Test
    void aTokenWithAnUnknownKeyIdSoonAfterAFetchWaitsForTheWindowInsteadOfFetching() {
        Authenticator authenticator = verifierOf(keys());
        verified(authenticator.authenticateNow(token()));
        ticker.advance(Duration.ofSeconds(1));

        Verifying forged = verifying(authenticator, issuer.rs256WithForgedKid(issuer.claims("mallory", "acme").build()));

        soon().until(() -> forged.thread.getState() == Thread.State.TIMED_WAITING || forged.outcome.isDone());
        assertThat(forged.outcome).as("still waiting for the window, 4 s away").isNotDone();
        assertThat(issuer.jwksRequests()).isEqualTo(1);
        forged.thread.interrupt();
        assertThat(rejected(forged.result())).startsWith("token rejected:");
        assertThat(forged.interruptedAfter).as("the interrupt is not swallowed").isTrue();
        assertThat(issuer.jwksRequests()).isEqualTo(1);
    }

    @Test
    void aVerificationInterruptedWhileItsKeysAreFetchedIsRefusedAndStaysInterrupted() {
        issuer.holdKeys();
        Verifying waiting = verifying(verifierOf(keys()), token());
        soon().until(() -> issuer.jwksRequests() == 1);

        waiting.thread.interrupt();

        assertThat(rejected(waiting.result())).startsWith("token rejected:");
        assertThat(waiting.interruptedAfter).as("the interrupt is not swallowed").isTrue();
    }

    @Test
    void aTokenArrivingWhileAnotherWaitsForTheFetchIsAnsweredByThatFetch() {
        Authenticator authenticator = verifierOf(keys());
        verified(authenticator.authenticateNow(token()));
        issuer.rotate();
        // the next fetch is allowed 10 ms from now; its answer is held until both tokens wait for it
        ticker.advance(RemoteKeys.MIN_REFETCH.minusMillis(10));
        issuer.holdKeys();

        Verifying first = verifying(authenticator, token());
        soon().until(() -> issuer.jwksRequests() == 2);
        Verifying second = verifying(authenticator, issuer.es256(issuer.claims("bob", "acme").build()));
        soon().until(() -> second.thread.getState() == Thread.State.WAITING);
        issuer.releaseKeys();

        verified(first.result());
        // README: "a token arriving meanwhile waits for that fetch", not for one more window after it
        verified(second.result(Duration.ofSeconds(2)));
        assertThat(issuer.jwksRequests()).isEqualTo(2);
    }

    @Test
    void forgedKeyIdsMakeAtMostOneFetchPerWindowWhileTokensWithTheNewKeysWaitForIt() throws InterruptedException {
        Duration window = Duration.ofMillis(200);
        long start = System.nanoTime();
        Authenticator authenticator = verifierOf(new RemoteKeys(issuer.url(), REFRESH, window, Ticker.systemTicker()));
        verified(authenticator.authenticateNow(token()));
        issuer.rotate();

        CountDownLatch go = new CountDownLatch(1);
        List<Verifying> forged = new ArrayList<>();
        List<Verifying> genuine = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            forged.add(verifying(authenticator, issuer.rs256WithForgedKid(issuer.claims("mallory", "acme").build()), go));
            genuine.add(verifying(authenticator, token(), go));
        }
        go.countDown();

        forged.forEach(attempt -> assertThat(rejected(attempt.result())).startsWith("token rejected:"));
        genuine.forEach(attempt -> verified(attempt.result()));
        long elapsed = System.nanoTime() - start;
        // fetches at least a window apart: n fetches span at least (n - 1) windows of the time the test took
        assertThat((long) issuer.jwksRequests()).isBetween(2L, 1 + elapsed / window.toNanos());
    }

    @Test
    void keysAlreadyHeldAreKeptWhileTheServiceIsDown() {
        RemoteKeys keys = keys();
        Authenticator authenticator = verifierOf(keys);
        verified(authenticator.authenticateNow(token()));
        issuer.outage(true);

        ticker.advance(REFRESH);
        keys.refresh();

        verified(authenticator.authenticateNow(token()));
        assertThat(keys.fresh()).as("loaded 5 minutes ago").isTrue();
        ticker.advance(REFRESH);
        assertThat(keys.fresh()).as("loaded 10 minutes ago").isFalse();
    }

    @Test
    void withoutKeysAndWithTheServiceDownTokensAreRefused() {
        issuer.outage(true);

        String reason = rejected(verifierOf(keys()).authenticateNow(token()));

        assertThat(reason).startsWith("token rejected:").contains("HTTP 503");
    }

    @Test
    void aRefusedConnectionIsNamedInTheReasonRatherThanNull() {
        String reason = rejected(verifierOf(keys("http://127.0.0.1:1")).authenticateNow(token()));

        assertThat(reason).startsWith("token rejected: cannot load signing keys from http://127.0.0.1:1: ")
                .contains("connection refused").doesNotContain("null");
    }

    @Test
    void failingRefreshesAreReportedOnceAndTheRecoveryOnce() {
        Logger logger = (Logger) LoggerFactory.getLogger(RemoteKeys.class);
        Level level = logger.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        logger.setLevel(Level.INFO);
        try {
            RemoteKeys keys = keys();
            issuer.outage(true);
            keys.refresh();
            ticker.advance(REFRESH);
            keys.refresh();
            issuer.outage(false);
            ticker.advance(REFRESH);
            keys.refresh();
            ticker.advance(REFRESH);
            keys.refresh();

            assertThat(captured.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("cannot load signing keys from " + issuer.url()));
            assertThat(captured.list).filteredOn(e -> e.getFormattedMessage().startsWith("signing keys loaded again")).hasSize(1);
            assertThat(keys.fresh()).isTrue();
        } finally {
            logger.detachAppender(captured);
            logger.setLevel(level);
        }
    }

    @Test
    void anUnreachableAuthServiceIsReportedOnceNotAtEveryRefresh() {
        Logger logger = (Logger) LoggerFactory.getLogger(RemoteKeys.class);
        Level level = logger.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        logger.setLevel(Level.INFO);
        try {
            RemoteKeys keys = keys("http://127.0.0.1:1");
            keys.refresh();
            ticker.advance(REFRESH);
            keys.refresh();
            assertThat(keys.fresh()).isFalse();
            assertThat(captured.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("connection refused").doesNotContain("null"));
        } finally {
            logger.detachAppender(captured);
            logger.setLevel(level);
        }
    }

    /** Awaits a condition for up to 5 s, looking every few milliseconds. */
    private static ConditionFactory soon() {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5));
    }

    private Verifying verifying(Authenticator authenticator, String token) {
        return verifying(authenticator, token, new CountDownLatch(0));
    }

    /** Verifies the token on a thread of its own once `go` opens, as concurrent connections do. */
    private Verifying verifying(Authenticator authenticator, String token, CountDownLatch go) {
        CompletableFuture<Verification> result = new CompletableFuture<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread thread = new Thread(() -> {
            try {
                if (go.await(5, TimeUnit.SECONDS)) {
                    Verification verification = authenticator.authenticateNow(token);
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                    result.complete(verification);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                result.complete(new Verification.Rejected("did not run"));
            }
        }, "verifying");
        started.add(thread);
        thread.start();
        return new Verifying(thread, result, interruptedAfter);
    }

    /** @param interruptedAfter whether the thread was still marked interrupted when the verification returned */
    private record Verifying(Thread thread, CompletableFuture<Verification> outcome, AtomicBoolean interruptedAfter) {
        Verification result() {
            return result(Duration.ofSeconds(5));
        }

        Verification result(Duration within) {
            try {
                return outcome.get(within.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("no verification within " + within, e);
            }
        }
    }
}
