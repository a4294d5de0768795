package io.c254.streaming.bench;

/**
 * Scenario h's reconnect storm.
 *
 * @param clients         storm clients (WebSocket), besides the steady subscribers
 * @param sourceAddresses they connect from 127.0.0.1 … 127.0.0.N round-robin, as many client addresses would
 * @param rampPerSecond   first connection attempts per second, before the storm
 * @param withinMillis    after the drop, each reconnects at a random moment within this
 * @param timeoutSeconds  how long every storm client has to be back, for the first connection and after the drop
 * @param maxAttempts     attempts per client and phase before it gives up
 * @param errorRetryMillis wait after an attempt that failed without an HTTP answer (no Retry-After to follow)
 */
record StormOptions(int clients, int sourceAddresses, int rampPerSecond, int withinMillis, int timeoutSeconds,
                    int maxAttempts, int errorRetryMillis) {
}
