package io.c254.streaming.transport;

import io.c254.streaming.session.CloseReason;
import io.c254.streaming.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Map;

import static net.logstash.logback.argument.StructuredArguments.keyValue;

/**
 * One log line when a connection opens and one when it closes, with the correlation ids as MDC fields
 * (top-level keys in the JSON logs): connection_id, user_id, tenant_id, transport; on close also
 * close_reason, and duration_ms and messages_sent as JSON numbers. Never a token.
 */
public final class AccessLog {

    private static final Logger log = LoggerFactory.getLogger("access");

    private AccessLog() {
    }

    public static void opened(Session session) {
        withFields(session, Map.of(), () -> log.info("{} connection established", label(session)));
    }

    /** The figures are structured arguments rather than MDC entries, so that the JSON line carries them as numbers. */
    public static void closed(Session session) {
        CloseReason reason = session.connection().closeReason();
        withFields(session, Map.of("close_reason", reason == null ? "client_closed" : reason.name()),
                () -> log.info("{} connection closed", label(session),
                        keyValue("duration_ms", System.currentTimeMillis() - session.openedAtMillis()),
                        keyValue("messages_sent", session.connection().messagesSent())));
    }

    private static void withFields(Session session, Map<String, String> extra, Runnable logLine) {
        MDC.put("connection_id", session.id());
        MDC.put("user_id", session.userId());
        MDC.put("tenant_id", session.tenantId());
        MDC.put("transport", session.transport().name().toLowerCase());
        extra.forEach(MDC::put);
        try {
            logLine.run();
        } finally {
            MDC.remove("connection_id");
            MDC.remove("user_id");
            MDC.remove("tenant_id");
            MDC.remove("transport");
            extra.keySet().forEach(MDC::remove);
        }
    }

    private static String label(Session session) {
        return switch (session.transport()) {
            case WEBSOCKET -> "WebSocket";
            case SSE -> "SSE";
        };
    }
}
