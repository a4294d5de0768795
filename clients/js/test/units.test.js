import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, closePolicy, isNotice, jwtExpiryMs, parseRetryAfter, statusPolicy } from "../streaming-client.js";

test("backoff delays stay within [0, min(max, initial * 2^n)] and the ceiling doubles up to the maximum", () => {
  const highest = new Backoff({ initialDelayMs: 500, maxDelayMs: 30_000 }, () => 0.999999);
  const ceilings = Array.from({ length: 10 }, () => highest.next());
  assert.deepEqual(ceilings, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
  const lowest = new Backoff({ initialDelayMs: 500, maxDelayMs: 30_000 }, () => 0);
  assert.deepEqual(Array.from({ length: 5 }, () => lowest.next()), [0, 0, 0, 0, 0]);
});

test("backoff jitter spreads delays over the whole range", () => {
  const delays = Array.from({ length: 2000 }, () => {
    const backoff = new Backoff({ initialDelayMs: 1000, maxDelayMs: 1000 });
    return backoff.next();
  });
  assert.ok(Math.min(...delays) < 100 && Math.max(...delays) > 900, "full jitter, not equal jitter");
  assert.ok(delays.every((delay) => delay >= 0 && delay < 1000));
});

test("backoff reset starts again from the initial delay", () => {
  const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 10_000 }, () => 0.999999);
  backoff.next(); backoff.next(); backoff.next();
  assert.equal(backoff.ceilingMs, 800);
  backoff.reset();
  assert.equal(backoff.next(), 99);
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter(" 12 ", now), 12_000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2026 07:28:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now), 0, "a date in the past means now");
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter("soon", now), null);
  assert.equal(parseRetryAfter("-3", now), null);
});

test("close codes map to what the client does", () => {
  const table = Object.fromEntries([1000, 1001, 1006, 1009, 4000, 4001, 4002, 4003, 1011].map((code) => [code, closePolicy(code).action]));
  assert.deepEqual(table, {
    1000: "retry", 1001: "prompt", 1006: "retry", 1009: "retry", 4000: "retry",
    4001: "throttled", 4002: "renew-token", 4003: "throttled", 1011: "retry",
  });
  assert.equal(closePolicy(4001).name, "SLOW_CONSUMER");
  assert.equal(closePolicy(4003).name, "RATE_LIMITED");
});

test("HTTP refusals of a stream: bad tokens stop, overload retries, a refused cursor is dropped", () => {
  assert.equal(statusPolicy(401, "UNAUTHORIZED").action, "fatal");
  assert.equal(statusPolicy(403, "FORBIDDEN").action, "fatal");
  assert.equal(statusPolicy(400, "INVALID_FILTER").action, "fatal");
  assert.equal(statusPolicy(400, "INVALID_CURSOR").action, "drop-cursor");
  for (const status of [408, 429, 500, 503]) assert.equal(statusPolicy(status, "X").action, "retry", String(status));
});

function jwt(claims) {
  const encode = (object) => Buffer.from(JSON.stringify(object)).toString("base64url");
  return `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}.c2lnbmF0dXJl`;
}

test("a JWT's exp is decoded to epoch milliseconds; other tokens have none", () => {
  assert.equal(jwtExpiryMs(jwt({ sub: "user-1", exp: 1_900_000_000 })), 1_900_000_000_000);
  assert.equal(jwtExpiryMs(jwt({ sub: "üser with ünïcode ✓", exp: 1_800_000_001 })), 1_800_000_001_000);
  assert.equal(jwtExpiryMs(jwt({ sub: "no exp" })), null);
  assert.equal(jwtExpiryMs("test-token"), null);
  assert.equal(jwtExpiryMs("a.b.c"), null);
  assert.equal(jwtExpiryMs(undefined), null);
});

test("notices are told apart from answers by their code", () => {
  assert.ok(isNotice({ error: "RESUME_GAP", details: { topic: "t" } }));
  assert.ok(isNotice({ error: "TOKEN_EXPIRED", details: { expires_at: "1" } }));
  assert.ok(isNotice({ error: "SUBSCRIPTION_REVOKED", details: { topic: "t" } }));
  assert.ok(isNotice({ error: "INVALID_CURSOR", details: { topic: "t", partitions: [] } }), "a cursor ahead of the topic");
  assert.ok(!isNotice({ error: "INVALID_CURSOR", details: {} }), "a cursor the gateway did not write refuses the command");
  assert.ok(!isNotice({ error: "SUBSCRIPTION_DENIED", details: { topic: "t" } }));
});

test("the module loads without WebSocket or fetch globals, and auto picks SSE when there is no WebSocket", async () => {
  const saved = { WebSocket: globalThis.WebSocket };
  delete globalThis.WebSocket;
  try {
    const { StreamingClient } = await import(`../streaming-client.js?fresh=${Date.now()}`);
    const client = new StreamingClient({ url: "http://127.0.0.1:1", transport: "auto" });
    assert.equal(client.transport, "sse");
    assert.equal(client.state, "closed");
  } finally {
    if (saved.WebSocket) globalThis.WebSocket = saved.WebSocket;
  }
});
