package io.c254.streaming.bench;

/** How subscribers receive: WebSocket text frames or a Server-Sent Events stream. */
enum Transport {
    WS,
    SSE
}
