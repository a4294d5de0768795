package io.c254.streaming.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The server under load: our gateway, or the Nginx + Nchan peer the issue compares it with. */
enum Peer {

    GATEWAY(18001),
    NCHAN(18080);

    private final int defaultPort;

    Peer(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    int defaultPort() {
        return defaultPort;
    }

    /** The path and query a subscriber asks for; {@code instrument} is its filter, or -1 for none. */
    String subscribePath(Options options, int instrument) {
        return switch (this) {
            case NCHAN -> "/sub/" + options.nchanChannel();
            case GATEWAY -> {
                String base = (options.transport() == Transport.WS ? "/ws/stream" : "/sse/stream")
                        + "?token=" + encode(options.token());
                // a WebSocket subscriber sends its filter once connected; EventSource cannot send
                yield instrument >= 0 && options.transport() == Transport.SSE
                        ? base + "&filters=" + encode(InstrumentFilter.json(instrument))
                        : base;
            }
        };
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
