package io.c254.streaming.session;

public enum Transport {
    WEBSOCKET, SSE
}
