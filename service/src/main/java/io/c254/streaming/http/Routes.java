package io.c254.streaming.http;

import io.c254.streaming.transport.HttpReplies;
import io.c254.streaming.transport.sse.SseControl;
import io.c254.streaming.transport.sse.SseStream;
import io.c254.streaming.transport.ws.WebSocketUpgrade;

/** Everything a route may need; one instance is shared by all connections. */
public record Routes(WebSocketUpgrade webSocket, SseStream sseStream, SseControl sseControl, AdminEndpoints admin, ConsoleEndpoints console,
                     HttpReplies replies) {
}
