package io.c254.streaming.auth;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.c254.streaming.testing.CapturedLogs;
import io.c254.streaming.testing.RawHttp;
import io.c254.streaming.testing.SseClient;
import io.c254.streaming.testing.TestServer;
import io.c254.streaming.testing.TestTokens;
import io.c254.streaming.testing.WsClient;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Everything the service logs while clients connect, refresh and fail with tokens, at DEBUG, holds no token. */
class TokensNeverLoggedIT {

    @Test
    void noLogLineOrLoggingContextHoldsAToken() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger ours = context.getLogger("io.c254.streaming");
        Logger access = context.getLogger("access");
        Level oursLevel = ours.getLevel();
        Level accessLevel = access.getLevel();
        // events frozen on the logging thread: the MDC checked is the one each line was written with
        CapturedLogs captured = CapturedLogs.of(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.DEBUG);
        ours.setLevel(Level.DEBUG);
        access.setLevel(Level.DEBUG);
        String good = TestTokens.jwt("logged-user", "tenant-l", "viewer");
        String forged = good.substring(0, good.length() - 4) + "AAAA";
        try (TestServer server = TestServer.builder().start()) {
            try (WsClient ws = WsClient.connect(server.ws("/ws/stream?token=" + good))) {
                ws.nextOfType("connection_established");
                ws.send("{\"action\":\"refresh\",\"data\":{\"token\":\"" + forged + "\"}}");
                ws.nextOfType("error");
            }
            try (SseClient sse = SseClient.connect(server.http("/sse/stream?token=" + good))) {
                sse.nextNamed("connection_established");
            }
            try (RawHttp raw = RawHttp.open(server.port())) {
                assertThat(raw.write(RawHttp.webSocketUpgrade("/ws/stream?token=" + forged)).readResponse().status()).isEqualTo(401);
            }
        } finally {
            captured.close();
            ours.setLevel(oursLevel);
            access.setLevel(accessLevel);
        }
        List<String> lines = captured.events().stream().map(e -> e.getFormattedMessage() + " " + e.getMDCPropertyMap()).toList();
        assertThat(lines).as("the access log did log these connections, with their logging context")
                .anyMatch(l -> l.contains("connection established") && l.contains("user_id=logged-user"));
        String signature = good.substring(good.lastIndexOf('.') + 1);
        assertThat(lines).noneMatch(l -> l.contains(signature) || l.contains(forged.substring(forged.lastIndexOf('.') + 1)) || l.contains("token="));
    }
}
