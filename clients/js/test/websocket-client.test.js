// The client over WebSocket, with a scripted WebSocket implementation injected (options.WebSocket): the
// test plays the gateway's side of the frames README "WebSocket protocol" describes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamingClient } from "../streaming-client.js";

function fakeWebSocketClass() {
  return class FakeWebSocket {
    static sockets = [];
    constructor(url) {
      this.url = new URL(url);
      this.sent = [];
      FakeWebSocket.sockets.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code = 1000) { this.closedWith = code; queueMicrotask(() => this.onclose?.({ code, reason: "" })); }
    // the gateway's side
    open(id = `conn-${FakeWebSocket.sockets.length}`) { this.serve({ type: "connection_established", connection_id: id, user_id: "u", tenant_id: "t" }); }
    serve(message) { this.onmessage?.({ data: JSON.stringify(message) }); }
    drop(code, reason = "") { this.onclose?.({ code, reason }); }
    /** What Node's WebSocket does when the handshake fails: an error event, and no close event. */
    fail() { this.readyState = 3; this.onerror?.({ type: "error", message: "Received network error or non-101 status code." }); }
  };
}

async function waitFor(condition, what, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A client whose delays are all zero (random 0), over the fake. */
function setUp(options = {}) {
  const WebSocket = fakeWebSocketClass();
  const client = new StreamingClient({ url: "http://gateway.test:8001/prefix/", token: "t1", transport: "websocket", WebSocket, random: () => 0, ...options });
  const events = { state: [], data: [], notice: [], error: [], snapshot_complete: [] };
  for (const name of Object.keys(events)) client.on(name, (payload) => events[name].push(payload));
  const socket = (index) => WebSocket.sockets[index];
  const nextSocket = async (index) => { await waitFor(() => WebSocket.sockets.length > index, `socket ${index}`); return socket(index); };
  return { client, events, WebSocket, socket, nextSocket };
}

/**
 * Resolves once every timer the client has set for now has run (its delays are 0 here: random is 0). Node
 * runs timers of equal delay in the order they were set, so this is a step of the event loop, not a guess
 * at a duration: what the client did not do by then, it was not going to do.
 */
const afterTheClientsTimers = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Connects, and plays the gateway's connection_established on the socket the client opened. */
async function openedSocket(client, nextSocket, index = 0) {
  client.connect();
  const socket = await nextSocket(index);
  socket.open();
  return socket;
}

const data = (topic, offset, cursor) => ({ type: "data", topic, partition: 0, offset, cursor, timestamp: 1_700_000_000_000, data: { price: offset } });

test("the WebSocket URL is derived from the base URL, path prefix kept, with the token in the query", { timeout: 10_000 }, async (t) => {
  const { client, nextSocket } = setUp();
  t.after(() => client.close());
  client.connect();
  const socket = await nextSocket(0);
  assert.equal(socket.url.toString(), "ws://gateway.test:8001/prefix/ws/stream?token=t1");
});

test("a subscribe made before connect goes out once open; data reaches handlers in one shape; the cursor follows", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const ack = client.subscribe(["pricing.curve.updates.v1"], { commodity: "oil" }, { maxRate: 5 });
  const opened = client.connect();
  const socket = await nextSocket(0);
  assert.deepEqual(socket.sent, [], "nothing before connection_established");
  socket.open("conn-A");
  await opened;
  assert.equal(client.state, "open");
  assert.equal(client.connectionId, "conn-A");
  assert.deepEqual(socket.sent, [{ action: "subscribe", data: { topics: ["pricing.curve.updates.v1"], filters: { commodity: "oil" }, max_rate: 5 } }]);
  socket.serve({ type: "subscribed", topics: ["pricing.curve.updates.v1"], filters: { commodity: "oil" }, cursor: "C0" });
  assert.deepEqual(await ack, { topics: ["pricing.curve.updates.v1"], refused: [], filters: { commodity: "oil" }, cursor: "C0" });
  socket.serve(data("pricing.curve.updates.v1", 7, "C7"));
  assert.deepEqual(events.data, [{ topic: "pricing.curve.updates.v1", partition: 0, offset: 7, cursor: "C7", timestamp: 1_700_000_000_000, data: { price: 7 } }]);
  assert.equal(client.cursor, "C7");
  assert.deepEqual(events.state.map((change) => change.state), ["connecting", "open"]);
});

test("a subscribe with a kept cursor asks the gateway to resume from it; a cursor that cannot be one is refused at once", { timeout: 10_000 }, async (t) => {
  const { client, nextSocket } = setUp();
  t.after(() => client.close());
  await assert.rejects(client.subscribe(["pricing.curve.updates.v1"], {}, { resume: "" }), { code: "INVALID_CURSOR" });
  const ack = client.subscribe(["pricing.curve.updates.v1"], {}, { resume: "KEPT" });
  const socket = await openedSocket(client, nextSocket);
  await waitFor(() => socket.sent.length === 1, "the subscribe");
  assert.deepEqual(socket.sent, [{ action: "subscribe", data: { topics: ["pricing.curve.updates.v1"], resume: "KEPT" } }]);
  socket.serve({ type: "subscribed", topics: ["pricing.curve.updates.v1"], cursor: "KEPT" });
  assert.equal((await ack).cursor, "KEPT");
});

test("after a drop the client reconnects and restores each subscription group with resume from the last cursor", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const first = await openedSocket(client, nextSocket);
  const oil = client.subscribe(["a", "b"], { commodity: "oil" });
  first.serve({ type: "subscribed", topics: ["a", "b"], filters: { commodity: "oil" }, cursor: "C1" });
  await oil;
  const capped = client.subscribe(["c"], {}, { maxRate: 2 });
  first.serve({ type: "subscribed", topics: ["c"], filters: {}, cursor: "C2" });
  await capped;
  first.serve(data("a", 10, "C10"));
  first.drop(1006);
  assert.equal(client.state, "reconnecting");

  const second = await nextSocket(1);
  second.open();
  assert.deepEqual(second.sent, [{ action: "subscribe", data: { topics: ["a", "b"], filters: { commodity: "oil" }, resume: "C10" } }]);
  // the default topic's records come before the restore is answered: their cursor covers only it, so it is not adopted
  second.serve(data("served.market.latest_prices.v1", 3, "DEFAULT-ONLY"));
  assert.equal(client.cursor, "C10");
  second.serve({ type: "subscribed", topics: ["a", "b"], filters: { commodity: "oil" }, cursor: "C11" });
  assert.deepEqual(second.sent[1], { action: "subscribe", data: { topics: ["c"], max_rate: 2, resume: "C10" } });
  second.serve({ type: "subscribed", topics: ["c"], filters: {}, cursor: "C12" });
  assert.equal(client.cursor, "C12", "once every group is restored, the acknowledgement's cursor covers all");
  assert.deepEqual(events.state.map((change) => change.state), ["connecting", "open", "reconnecting", "open"]);
  assert.deepEqual([...client.subscriptions.keys()], ["a", "b", "c"]);
});

test("a topic refused on restore is forgotten and reported as a notice", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const first = await openedSocket(client, nextSocket);
  const ack = client.subscribe(["a", "b"]);
  first.serve({ type: "subscribed", topics: ["a", "b"], filters: {}, cursor: "C1" });
  await ack;
  first.drop(1006);
  const second = await nextSocket(1);
  second.open();
  second.serve({ type: "error", error: "SUBSCRIPTION_DENIED", message: "no", details: { topic: "b" } });
  second.serve({ type: "subscribed", topics: ["a"], filters: {}, cursor: "C2" });
  assert.deepEqual([...client.subscriptions.keys()], ["a"]);
  assert.deepEqual(events.notice.map((notice) => [notice.code, notice.details.topic]), [["SUBSCRIPTION_DENIED", "b"]]);
});

test("a resume cursor the gateway cannot read is dropped and the group restored live, with a notice", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const first = await openedSocket(client, nextSocket);
  const ack = client.subscribe(["a"]);
  first.serve({ type: "subscribed", topics: ["a"], filters: {}, cursor: "FOREIGN" });
  await ack;
  first.drop(1006);
  const second = await nextSocket(1);
  second.open();
  assert.equal(second.sent[0].data.resume, "FOREIGN");
  second.serve({ type: "error", error: "INVALID_CURSOR", message: "Field 'data.resume': not a cursor" });
  assert.deepEqual(second.sent[1], { action: "subscribe", data: { topics: ["a"] } });
  second.serve({ type: "subscribed", topics: ["a"], filters: {}, cursor: "C1" });
  assert.equal(client.cursor, "C1");
  assert.deepEqual([...client.subscriptions.keys()], ["a"]);
  assert.deepEqual(events.notice.map((notice) => notice.code), ["INVALID_CURSOR"]);
});

test("a command in flight when the connection drops is sent again after the restore, and its promise settles then", { timeout: 10_000 }, async (t) => {
  const { client, nextSocket } = setUp();
  t.after(() => client.close());
  const first = await openedSocket(client, nextSocket);
  const ack = client.subscribe(["x"]);
  first.drop(1006);
  const second = await nextSocket(1);
  second.open();
  assert.deepEqual(second.sent, [{ action: "subscribe", data: { topics: ["x"] } }]);
  second.serve({ type: "subscribed", topics: ["x"], filters: {}, cursor: "C" });
  assert.deepEqual((await ack).topics, ["x"]);
});

test("notices go to notice handlers without settling the command in flight; SUBSCRIPTION_REVOKED forgets the topic", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  const first = client.subscribe(["a"]);
  socket.serve({ type: "subscribed", topics: ["a"], filters: {}, cursor: "C1" });
  await first;
  let settled = false;
  const second = client.subscribe(["b"]).finally(() => { settled = true; });
  socket.serve({ type: "error", error: "RESUME_GAP", message: "gap", details: { topic: "b", missing: 3, partitions: [] } });
  socket.serve({ type: "error", error: "SUBSCRIPTION_REVOKED", message: "revoked", details: { topic: "a" } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false);
  socket.serve({ type: "subscribed", topics: ["b"], filters: {}, cursor: "C2" });
  await second;
  assert.deepEqual(events.notice.map((notice) => notice.code), ["RESUME_GAP", "SUBSCRIPTION_REVOKED"]);
  assert.deepEqual([...client.subscriptions.keys()], ["b"]);
});

test("close() closes with 1000 and never reconnects; waiting commands reject with CLIENT_CLOSED", { timeout: 10_000 }, async () => {
  const { client, events, WebSocket, nextSocket } = setUp();
  const socket = await openedSocket(client, nextSocket);
  const pending = client.subscribe(["a"]);
  client.close();
  await assert.rejects(pending, { code: "CLIENT_CLOSED" });
  assert.equal(socket.closedWith, 1000);
  await afterTheClientsTimers();
  assert.equal(WebSocket.sockets.length, 1);
  assert.equal(client.state, "closed");
  assert.equal(events.state.at(-1).reason, "close() called");
  await assert.rejects(client.subscribe(["a"]), { code: "CLIENT_CLOSED" });
  await assert.rejects(client.connect(), { code: "CLIENT_CLOSED" });
});

test("4002 TOKEN_EXPIRED: the token provider is asked again and the new token is used", { timeout: 10_000 }, async (t) => {
  let calls = 0;
  const { client, nextSocket } = setUp({ token: async () => `token-${++calls}` });
  t.after(() => client.close());
  client.connect();
  const first = await nextSocket(0);
  assert.equal(first.url.searchParams.get("token"), "token-1");
  first.open();
  first.drop(4002, "the token expired");
  const second = await nextSocket(1);
  assert.equal(second.url.searchParams.get("token"), "token-2");
});

test("1001 GOING_AWAY reconnects at once (jitter only), where other drops back off", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp({ random: () => 0.5, reconnect: { initialDelayMs: 10, maxDelayMs: 1000 } });
  t.after(() => client.close());
  client.connect();
  for (let index = 0; index < 3; index++) (await nextSocket(index)).drop(1006); // never opened: the backoff grows
  (await nextSocket(3)).open();
  (await nextSocket(3)).drop(1001, "server shutting down");
  await nextSocket(4);
  const delays = events.state.filter((change) => change.delayMs !== undefined).map((change) => [change.reason.split(":")[0], change.delayMs]);
  assert.deepEqual(delays, [
    ["closed 1006 ABNORMAL_CLOSURE", 5], ["closed 1006 ABNORMAL_CLOSURE", 10], ["closed 1006 ABNORMAL_CLOSURE", 20],
    ["closed 1001 GOING_AWAY", 5],
  ]);
});

test("five 4001 SLOW_CONSUMER closes in a row with nothing delivered: the client gives up with an error", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const opened = client.connect();
  for (let index = 0; index < 5; index++) {
    const socket = await nextSocket(index);
    socket.open();
    if (index === 0) {
      await opened;
      socket.serve(data("a", 1, "C1"));
    }
    socket.drop(4001, "slow");
  }
  await waitFor(() => events.error.length === 1, "the error event");
  assert.equal(events.error[0].code, "SLOW_CONSUMER");
  assert.equal(client.state, "closed");
});

test("a delivery between 4001 closes resets the count toward giving up", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  client.connect();
  for (let index = 0; index < 8; index++) {
    const socket = await nextSocket(index);
    socket.open();
    if (index % 3 === 2) socket.serve(data("a", index, `C${index}`));
    socket.drop(4003, "flood");
  }
  await nextSocket(8);
  assert.equal(events.error.length, 0);
});

test("a TOKEN_EXPIRED warning makes the client fetch a token and send refresh", { timeout: 10_000 }, async (t) => {
  let calls = 0;
  const { client, events, nextSocket } = setUp({ token: () => `token-${++calls}` });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  socket.serve({ type: "error", error: "TOKEN_EXPIRED", message: "soon", details: { expires_at: "1900000000" } });
  await waitFor(() => socket.sent.length === 1, "the refresh");
  assert.deepEqual(socket.sent[0], { action: "refresh", data: { token: "token-2" } });
  socket.serve({ type: "refreshed", expires_at: 1_900_000_000 });
  assert.equal(events.notice[0].code, "TOKEN_EXPIRED");
});

test("a token the client cannot read is refreshed once per warned expiry, not on every repeat of the warning", { timeout: 10_000 }, async (t) => {
  let calls = 0;
  const { client, nextSocket } = setUp({ token: () => `token-${++calls}` });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  const warn = (expiresAt) => socket.serve({ type: "error", error: "TOKEN_EXPIRED", message: "soon", details: { expires_at: expiresAt } });
  warn("100");
  await waitFor(() => socket.sent.length === 1, "the refresh");
  socket.serve({ type: "refreshed", expires_at: 100 });
  warn("100");
  warn("200");
  await waitFor(() => socket.sent.length === 2, "the second refresh");
  socket.serve({ type: "refreshed", expires_at: 200 });
  await afterTheClientsTimers();
  assert.deepEqual(socket.sent.map((frame) => frame.data.token), ["token-2", "token-3"]);
});

test("a JWT's warning is only reported: the client's own schedule renews it, so short-lived tokens cannot loop", { timeout: 10_000 }, async (t) => {
  const jwt = (exp) => ["{\"alg\":\"RS256\"}", JSON.stringify({ sub: "u", exp })].map((part) => Buffer.from(part).toString("base64url")).join(".") + ".sig";
  let calls = 0;
  const { client, events, nextSocket } = setUp({ token: () => { calls += 1; return jwt(Math.floor(Date.now() / 1000) + 3600); } });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  socket.serve({ type: "error", error: "TOKEN_EXPIRED", message: "soon", details: { expires_at: "1" } });
  await afterTheClientsTimers();
  assert.equal(events.notice.length, 1);
  assert.equal(calls, 1);
  assert.deepEqual(socket.sent, []);
});

test("a provider that hands back the same token sends no refresh", { timeout: 10_000 }, async (t) => {
  const { client, nextSocket } = setUp({ token: "same" });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  socket.serve({ type: "error", error: "TOKEN_EXPIRED", message: "soon", details: { expires_at: "1" } });
  await afterTheClientsTimers();
  assert.deepEqual(socket.sent, []);
});

test("a JWT is refreshed ahead of its exp without waiting for the gateway's warning", { timeout: 10_000 }, async (t) => {
  const jwt = (exp) => ["{\"alg\":\"RS256\"}", JSON.stringify({ sub: "u", exp })].map((part) => Buffer.from(part).toString("base64url")).join(".") + ".sig";
  const tokens = [jwt(Math.floor(Date.now() / 1000) + 60), jwt(Math.floor(Date.now() / 1000) + 3600)];
  const { client, nextSocket } = setUp({ token: () => tokens.shift(), refreshBeforeExpiryMs: 59_000 });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  await waitFor(() => socket.sent.length === 1, "the proactive refresh", 3000);
  assert.equal(socket.sent[0].action, "refresh");
  assert.equal(typeof socket.sent[0].data.token, "string");
});

test("silence past idleMs sends a ping; no answer within timeoutMs drops the link and reconnects", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp({ heartbeat: { idleMs: 40, timeoutMs: 40 } });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  await waitFor(() => socket.sent.length === 1, "the ping");
  assert.deepEqual(socket.sent[0], { action: "ping", data: {} });
  await nextSocket(1);
  assert.equal(socket.closedWith, 4000);
  assert.ok(events.state.some((change) => change.state === "reconnecting" && /4000/.test(change.reason)));
});

test("a pong keeps the link: no reconnect while the gateway answers pings", { timeout: 10_000 }, async (t) => {
  const { client, WebSocket, nextSocket } = setUp({ heartbeat: { idleMs: 30, timeoutMs: 30 } });
  t.after(() => client.close());
  const socket = await openedSocket(client, nextSocket);
  for (let ping = 1; ping <= 3; ping++) {
    await waitFor(() => socket.sent.length === ping, `ping ${ping}`);
    socket.serve({ type: "pong", timestamp: Date.now() });
  }
  assert.equal(WebSocket.sockets.length, 1);
});

test("a handshake that fails with an error event and no close event (Node's WebSocket) is retried", { timeout: 10_000 }, async (t) => {
  const { client, events, nextSocket } = setUp();
  t.after(() => client.close());
  const opened = client.connect();
  (await nextSocket(0)).fail();
  (await nextSocket(1)).open();
  await opened;
  assert.match(events.state.find((change) => change.delayMs !== undefined).reason, /1006/);
});

test("a handshake that never completes is given up after connectTimeoutMs and retried", { timeout: 10_000 }, async (t) => {
  const { client, nextSocket } = setUp({ connectTimeoutMs: 30 });
  t.after(() => client.close());
  const opened = client.connect();
  const hung = await nextSocket(0);
  (await nextSocket(1)).open();
  await opened;
  assert.equal(hung.closedWith, 1000);
});

test("transport auto: after the WebSocket failed to open twice in a row, the client uses SSE", { timeout: 10_000 }, async (t) => {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url: String(url), init });
    const body = "retry: 3000\nevent: connection_established\ndata: {\"connection_id\":\"conn-sse\",\"user_id\":\"u\",\"tenant_id\":\"t\"}\n\n";
    return new Response(new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode(body)); } }), { status: 200 });
  };
  const { client, events, nextSocket } = setUp({ transport: "auto", fetch });
  t.after(() => client.close());
  const opened = client.connect();
  (await nextSocket(0)).drop(1006);
  (await nextSocket(1)).drop(1006);
  await opened;
  assert.equal(client.transport, "sse");
  assert.equal(client.connectionId, "conn-sse");
  assert.equal(requests[0].url, "http://gateway.test:8001/prefix/sse/stream");
  assert.equal(requests[0].init.headers.Authorization, "Bearer t1");
  assert.ok(events.notice.some((notice) => notice.code === "TRANSPORT_FALLBACK"));
});

test("transport auto: when SSE fails to open too, WebSocket gets its chance again (the gateway was down, not WebSockets blocked)", { timeout: 10_000 }, async (t) => {
  let streams = 0;
  const fetch = async () => { streams += 1; throw new TypeError("fetch failed"); };
  const { client, nextSocket } = setUp({ transport: "auto", fetch });
  t.after(() => client.close());
  const opened = client.connect();
  (await nextSocket(0)).drop(1006);
  (await nextSocket(1)).drop(1006);
  (await nextSocket(2)).open();
  await opened;
  assert.equal(streams, 1);
  assert.equal(client.transport, "websocket");
});

test("invalid arguments reject at once without reaching the gateway", { timeout: 10_000 }, async () => {
  const { client } = setUp();
  await assert.rejects(client.subscribe([]), { code: "INVALID_MESSAGE" });
  await assert.rejects(client.subscribe(["bad topic"]), { code: "INVALID_MESSAGE" });
  await assert.rejects(client.subscribe(["a"], "commodity=oil"), { code: "INVALID_FILTER" });
  await assert.rejects(client.subscribe(["a"], {}, { maxRate: 0 }), { code: "INVALID_MESSAGE" });
  await assert.rejects(client.unsubscribe("a"), { code: "INVALID_MESSAGE" });
  assert.throws(() => new StreamingClient({}), { code: "INVALID_OPTIONS" });
  client.close();
});
