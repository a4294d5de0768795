package io.c254.streaming.dev;

import java.time.Instant;
import java.util.List;

/** What dev mode prints once everything is up: where things are and commands to paste. */
final class Banner {

    static final String TEST_TOKEN = "test-token";

    private Banner() {
    }

    static String text(int servicePort, int kafkaPort, List<String> topics, Instant now) {
        String http = "http://localhost:" + servicePort;
        String ws = "ws://localhost:" + servicePort;
        return String.join(System.lineSeparator(),
                "",
                "==================================================================",
                " 254Carbon streaming gateway - dev mode",
                "==================================================================",
                " Gateway      " + http,
                " Console      " + http + "/console/   (live charts, topics, a live tail of any topic)",
                " Kafka        localhost:" + kafkaPort + " (embedded, fresh data every run)",
                " Demo feed    ~3 records/s on each of " + String.join(", ", DemoFeed.TOPICS),
                " Topics       " + String.join(", ", topics),
                "",
                " Try:",
                "   curl -N \"" + http + "/sse/stream?token=" + TEST_TOKEN + "\"",
                "   wscat -c \"" + ws + "/ws/stream?token=" + TEST_TOKEN + "\"",
                "   curl " + http + "/health",
                "   curl " + http + "/stats",
                "",
                " Publish your own record (key|value):",
                "   " + kcatExample(kafkaPort, now),
                "",
                " Ctrl-C stops the gateway, the feed and the broker.",
                "==================================================================",
                "");
    }

    private static String kcatExample(int kafkaPort, Instant now) {
        String value = "{\"instrument_id\":\"BRENT_CRUDE\",\"commodity\":\"oil\",\"region\":\"north_sea\","
                + "\"price\":83.10,\"volume\":25,\"timestamp\":\"" + now + "\"}";
        return "echo 'BRENT_CRUDE|" + value + "' | kcat -P -b localhost:" + kafkaPort
                + " -t " + DemoFeed.LATEST_PRICES_TOPIC + " -K '|'";
    }
}
