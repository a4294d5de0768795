package io.c254.streaming.bench;

/**
 * Scenario g's stalled clients: WebSocket subscribers of the same topic that stop reading once subscribed.
 *
 * @param clients            how many
 * @param receiveBufferBytes their SO_RCVBUF, set before connecting: a small one makes the gateway's outbound bound,
 *                           not the kernel's buffers, hold what they do not read
 * @param pongSeconds        how often each sends an unsolicited pong (RFC 6455 §5.5.3) while it reads nothing, so that
 *                           the heartbeat sees a live client that cannot keep up rather than a dead one (0: never;
 *                           such clients meet the heartbeat timeout instead)
 * @param fillRate           records per second while their bound fills, before the stalled window (unmeasured): on
 *                           loopback the kernel holds megabytes per socket before the gateway's bound even starts
 *                           to fill, which would take minutes at the measured rate
 * @param fillTimeoutSeconds how long the gateway may take to fill their outbound bound before the stalled window
 *                           begins anyway
 */
record StallOptions(int clients, int receiveBufferBytes, int pongSeconds, int fillRate, int fillTimeoutSeconds) {
}
