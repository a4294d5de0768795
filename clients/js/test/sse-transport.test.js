// The client over SSE against a real HTTP server on 127.0.0.1 (node:http): it writes SSE frames as the
// gateway does (README "Server-Sent Events"), answers the control calls, and refuses with 401/503.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { StreamingClient } from "../streaming-client.js";

/** A server whose `handle(request, response, body)` the test sets; it records every request. */
async function startServer(t, handle) {
  const requests = [];
  const streams = []; // every stream response, in order, so that a test can end one as a dying gateway would
  const open = new Set();
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => { body += chunk; });
    request.on("end", () => {
      const url = new URL(request.url, "http://x");
      const record = { method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body, at: Date.now() };
      requests.push(record);
      if (url.pathname === "/sse/stream") {
        open.add(response);
        streams.push(response);
      }
      response.on("close", () => open.delete(response));
      handle(record, response, requests.filter((r) => r.path === record.path).length);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => {
    for (const response of open) response.destroy();
    server.closeAllConnections?.();
    server.close(resolve);
  }));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, streams };
}

function startStream(response) {
  response.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" });
}

const established = (id) => `retry: 3000\nevent: connection_established\ndata: {"connection_id":"${id}","user_id":"u","tenant_id":"t"}\n\n`;
const event = (name, payload, id) => `${id ? `id: ${id}\n` : ""}event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
const record = (topic, offset) => ({ topic, data: { price: offset }, timestamp: 1_700_000_000_000, partition: 1, offset });

async function waitFor(condition, what, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Resolves once every timer the client has set for now has run (its delays are 0 here: random is 0). Node
 * runs timers of equal delay in the order they were set, so this is a step of the event loop, not a guess
 * at a duration: what the client did not do by then, it was not going to do.
 */
const afterTheClientsTimers = () => new Promise((resolve) => setTimeout(resolve, 0));

function newClient(t, url, options = {}) {
  const client = new StreamingClient({ url, token: "tok", transport: "sse", random: () => 0, heartbeat: false, ...options });
  const events = { state: [], data: [], snapshot: [], notice: [], error: [] };
  for (const name of Object.keys(events)) client.on(name, (payload) => events[name].push(payload));
  t.after(() => client.close());
  return { client, events };
}

test("a subscribe made before connect rides in the stream URL; refusals and the subscribed event settle it; events keep the WebSocket shape", { timeout: 10_000 }, async (t) => {
  const { url, requests } = await startServer(t, (request, response) => {
    startStream(response);
    // split mid-line and mid-CRLF on purpose: the parser must not care where chunks end
    const frames = established("conn-1") + event("error", { error: "UNKNOWN_TOPIC", message: "unknown", details: { topic: "nope" } })
      + event("subscribed", { topics: ["a", "served.market.latest_prices.v1"], cursor: "C1" }, "C1")
      + event("snapshot", record("served.market.latest_prices.v1", 4), "C2") + ": heartbeat\n\n" + event("data", record("a", 9), "C3");
    const crlf = frames.replace(/\n/g, "\r\n");
    for (let at = 0; at < crlf.length; at += 37) response.write(crlf.slice(at, at + 37));
  });
  const { client, events } = newClient(t, url);
  const ack = client.subscribe(["a", "nope"], { commodity: "oil" }, { maxRate: 2 });
  await client.connect();
  const result = await ack;
  assert.deepEqual(result.topics, ["a"]);
  assert.deepEqual(result.refused.map((error) => [error.code, error.details.topic]), [["UNKNOWN_TOPIC", "nope"]]);
  assert.equal(result.cursor, "C1");
  const [stream] = requests;
  assert.equal(stream.query.get("topics"), "a,nope");
  assert.deepEqual(JSON.parse(stream.query.get("filters")), { commodity: "oil" });
  assert.equal(stream.query.get("max_rate"), "2");
  assert.equal(stream.headers.authorization, "Bearer tok");
  assert.equal(stream.headers.accept, "text/event-stream");
  assert.equal(stream.headers["last-event-id"], undefined);
  await waitFor(() => events.data.length === 1, "the data event");
  assert.deepEqual(events.snapshot, [{ ...record("served.market.latest_prices.v1", 4), cursor: "C2" }]);
  assert.deepEqual(events.data, [{ ...record("a", 9), cursor: "C3" }]);
  assert.equal(client.cursor, "C3");
  assert.equal(client.connectionId, "conn-1");
});

test("later subscribes and unsubscribes are control calls, one POST per topic in order, with the connection id and the Bearer token", { timeout: 10_000 }, async (t) => {
  const { url, requests } = await startServer(t, (request, response) => {
    if (request.path === "/sse/stream") {
      startStream(response);
      return response.write(established("conn-2") + event("subscribed", { topics: ["served.market.latest_prices.v1"], cursor: "C0" }, "C0"));
    }
    const { topic } = JSON.parse(request.body);
    const status = topic === "denied" ? 403 : 200;
    const body = status === 200 ? { success: true, topic, connection_id: "conn-2" }
      : { success: false, error: "SUBSCRIPTION_DENIED", message: "Insufficient permissions", details: { topic, required_role: "analyst" } };
    response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  });
  const { client } = newClient(t, url);
  await client.connect();
  const ack = await client.subscribe(["b", "denied"], { region: ["eu", "us"] });
  assert.deepEqual(ack.topics, ["b"]);
  assert.equal(ack.refused[0].code, "SUBSCRIPTION_DENIED");
  assert.equal(ack.refused[0].status, 403);
  assert.equal(ack.refused[0].details.required_role, "analyst");
  await client.unsubscribe(["b"]);
  const calls = requests.filter((request) => request.method === "POST");
  assert.deepEqual(calls.map((call) => [call.path, JSON.parse(call.body)]), [
    ["/sse/subscribe", { connection_id: "conn-2", topic: "b", filters: { region: ["eu", "us"] } }],
    ["/sse/subscribe", { connection_id: "conn-2", topic: "denied", filters: { region: ["eu", "us"] } }],
    ["/sse/unsubscribe", { connection_id: "conn-2", topic: "b" }],
  ]);
  assert.ok(calls.every((call) => call.headers.authorization === "Bearer tok" && call.headers["content-type"] === "application/json"));
  assert.deepEqual([...client.subscriptions.keys()], []);
});

test("401 stops the client with an error instead of retrying a bad token", { timeout: 10_000 }, async (t) => {
  const { url, requests } = await startServer(t, (request, response) => {
    response.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "UNAUTHORIZED", message: "token expired" }));
  });
  const { client, events } = newClient(t, url);
  await assert.rejects(client.connect(), (error) => error.code === "UNAUTHORIZED" && error.status === 401 && error.message === "token expired");
  assert.equal(events.error.length, 1);
  assert.equal(client.state, "closed");
  await afterTheClientsTimers();
  assert.equal(client.state, "closed", "no new attempt was started");
  assert.equal(requests.length, 1);
});

test("503 with Retry-After: the next attempt waits that long, even when the backoff says sooner", { timeout: 10_000 }, async (t) => {
  const { url, requests } = await startServer(t, (request, response, nth) => {
    if (nth === 1) {
      return response.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" })
        .end(JSON.stringify({ error: "CONNECTION_LIMIT_REACHED", message: "full" }));
    }
    startStream(response);
    response.write(established("conn-3"));
  });
  const { client, events } = newClient(t, url);
  await client.connect();
  assert.equal(requests.length, 2);
  assert.ok(requests[1].at - requests[0].at >= 950, `waited ${requests[1].at - requests[0].at} ms`);
  assert.deepEqual(events.state.filter((change) => change.delayMs !== undefined).map((change) => [change.reason, change.delayMs]),
    [["HTTP 503 CONNECTION_LIMIT_REACHED", 1000]]);
});

test("a dropped stream reconnects with Last-Event-ID; the URL carries the first subscription group, the others are posted again", { timeout: 10_000 }, async (t) => {
  const { url, requests, streams } = await startServer(t, (request, response, nth) => {
    if (request.path !== "/sse/stream") {
      return response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ success: true }));
    }
    startStream(response);
    const cursor = nth === 1 ? "C1" : "C9";
    response.write(established(`conn-${nth}`) + event("subscribed", { topics: ["a", "served.market.latest_prices.v1"], cursor }, cursor));
  });
  const { client, events } = newClient(t, url);
  const oil = client.subscribe(["a"], { commodity: "oil" });
  await client.connect();
  await oil;
  await client.subscribe(["b"], { commodity: "gas" });
  streams[0].write(event("data", record("a", 5), "C5"));
  await waitFor(() => events.data.length === 1, "the record before the drop");
  streams[0].end(); // the gateway's instance dies
  await waitFor(() => requests.filter((request) => request.path === "/sse/subscribe").length === 2, "b posted again");
  const second = requests.filter((request) => request.path === "/sse/stream")[1];
  assert.equal(second.headers["last-event-id"], "C5");
  assert.equal(second.query.get("topics"), "a");
  assert.deepEqual(JSON.parse(second.query.get("filters")), { commodity: "oil" });
  assert.deepEqual(JSON.parse(requests.at(-1).body), { connection_id: "conn-2", topic: "b", filters: { commodity: "gas" } });
  // C9 covers only the URL's group (b was posted after it): the cursor stays C5 until an event covers all
  assert.equal(client.cursor, "C5");
  streams[1].write(event("data", record("b", 1), "C10"));
  await waitFor(() => events.data.length === 2, "the record after the restore");
  assert.equal(client.cursor, "C10");
  assert.deepEqual(events.state.map((change) => change.state), ["connecting", "open", "reconnecting", "open"]);
});

test("a stream ended with close_code 4002 reconnects with a fresh token from the provider", { timeout: 10_000 }, async (t) => {
  const { url, requests, streams } = await startServer(t, (request, response, nth) => {
    startStream(response);
    response.write(established(`conn-${nth}`));
  });
  let calls = 0;
  const { client } = newClient(t, url, { token: () => `token-${++calls}` });
  await client.connect();
  streams[0].end(event("error", { error: "TOKEN_EXPIRED", message: "the token expired; reconnect with a fresh one", close_code: 4002 }));
  await waitFor(() => requests.length === 2, "the second stream");
  assert.equal(requests[1].headers.authorization, "Bearer token-2");
});

test("a reconnect event (instance shutting down) reconnects after its retry_ms", { timeout: 10_000 }, async (t) => {
  const { url, requests, streams } = await startServer(t, (request, response, nth) => {
    startStream(response);
    response.write(established(`conn-${nth}`));
  });
  const { client, events } = newClient(t, url);
  await client.connect();
  streams[0].end(event("reconnect", { reason: "server shutting down", retry_ms: 200 }));
  await waitFor(() => requests.length === 2, "the second stream");
  assert.ok(requests[1].at - requests[0].at >= 190);
  assert.ok(events.state.some((change) => /1001 GOING_AWAY/.test(change.reason ?? "") && change.delayMs === 200));
});

test("five SLOW_CONSUMER ends in a row with nothing delivered: the client gives up", { timeout: 10_000 }, async (t) => {
  const { url, requests } = await startServer(t, (request, response, nth) => {
    startStream(response);
    response.end(established(`conn-${nth}`) + event("error", { error: "SLOW_CONSUMER", message: "slow", close_code: 4001 }));
  });
  const { client, events } = newClient(t, url);
  client.connect();
  await waitFor(() => events.error.length === 1, "the error event");
  assert.equal(events.error[0].code, "SLOW_CONSUMER");
  assert.equal(requests.length, 5);
  assert.equal(client.state, "closed");
});

test("a cursor the gateway refuses (400 INVALID_CURSOR) is dropped with a notice, and the stream opens without it", { timeout: 10_000 }, async (t) => {
  const { url, requests, streams } = await startServer(t, (request, response, nth) => {
    if (nth === 2) {
      return response.writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: "INVALID_CURSOR", message: "Header Last-Event-ID: not a cursor" }));
    }
    startStream(response);
    response.write(established(`conn-${nth}`) + event("data", record("a", 1), "NOT-A-CURSOR"));
  });
  const { client, events } = newClient(t, url);
  await client.connect();
  await waitFor(() => events.data.length === 1, "the record");
  streams[0].end();
  await waitFor(() => requests.length === 3, "the third stream");
  assert.equal(requests[1].headers["last-event-id"], "NOT-A-CURSOR");
  assert.equal(requests[2].headers["last-event-id"], undefined);
  assert.deepEqual(events.notice.map((notice) => notice.code), ["INVALID_CURSOR"]);
});

test("over SSE a JWT about to expire reopens the stream with the new token, resuming from the cursor", { timeout: 10_000 }, async (t) => {
  const { url, requests, streams } = await startServer(t, (request, response, nth) => {
    startStream(response);
    response.write(established(`conn-${nth}`) + (nth === 1 ? event("data", record("a", 3), "C3") : ""));
  });
  const jwt = (exp) => ["{\"alg\":\"RS256\"}", JSON.stringify({ sub: "u", exp })].map((part) => Buffer.from(part).toString("base64url")).join(".") + ".sig";
  const tokens = [jwt(Math.floor(Date.now() / 1000) + 60), jwt(Math.floor(Date.now() / 1000) + 3600)];
  const { client } = newClient(t, url, { token: () => tokens.shift(), refreshBeforeExpiryMs: 59_000 });
  await client.connect();
  await waitFor(() => requests.length === 2, "the reopened stream");
  assert.notEqual(requests[1].headers.authorization, requests[0].headers.authorization);
  assert.equal(requests[1].headers["last-event-id"], "C3");
  await waitFor(() => streams[0].destroyed || streams[0].writableEnded || streams[0].closed, "the old stream closed by the client");
});

test("a subscribe the gateway refuses in the stream URL (400) is rejected alone, and the stream opens without it", { timeout: 10_000 }, async (t) => {
  const { url, requests } = await startServer(t, (request, response) => {
    if (request.query.has("filters")) {
      return response.writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: "INVALID_FILTER", message: "Query parameter 'filters': a value must be a string, number or boolean" }));
    }
    startStream(response);
    response.write(established("conn-1"));
  });
  const { client, events } = newClient(t, url);
  const refused = client.subscribe(["a"], { price: { gt: 1 } });
  const opened = client.connect();
  await assert.rejects(refused, (error) => error.code === "INVALID_FILTER" && error.status === 400);
  await opened;
  assert.equal(requests.length, 2);
  assert.equal(requests[1].query.get("topics"), null);
  assert.equal(events.error.length, 0);
});
