package io.c254.streaming.auth;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.c254.streaming.testing.TestIssuer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The signing-key holder against a real issuer, and against none. */
class RemoteKeysTest {

    @Test
    void keysFromDiscoveryAreFreshAfterARefresh() throws Exception {
        try (TestIssuer issuer = TestIssuer.start()) {
            RemoteKeys keys = new RemoteKeys(issuer.url(), Duration.ofMinutes(5));
            assertThat(keys.fresh()).isFalse();
            keys.refresh();
            assertThat(keys.fresh()).isTrue();
            assertThat(issuer.jwksRequests()).isEqualTo(1);
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
            RemoteKeys keys = new RemoteKeys("http://127.0.0.1:1", Duration.ofMinutes(5));
            keys.refresh();
            keys.refresh();
            assertThat(keys.fresh()).isFalse();
            assertThat(captured.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
        } finally {
            logger.detachAppender(captured);
            logger.setLevel(level);
        }
    }
}
