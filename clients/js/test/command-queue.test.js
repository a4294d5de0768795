import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandQueue, StreamingError } from "../streaming-client.js";

/** A queue attached to a recorder of what it sends. */
function attachedQueue() {
  const queue = new CommandQueue();
  const sent = [];
  queue.attach((command) => sent.push(command));
  return { queue, sent };
}

const refusal = (code, topic) => ({ type: "error", error: code, message: `${code} ${topic ?? ""}`, details: topic ? { topic } : {} });

test("commands go out one at a time, each once the one before it is answered", { timeout: 10_000 }, async () => {
  const { queue, sent } = attachedQueue();
  const first = queue.push({ action: "subscribe", topics: ["a"] });
  const second = queue.push({ action: "unsubscribe", topics: ["b"] });
  const third = queue.push({ action: "ping" });
  assert.deepEqual(sent.map((command) => command.action), ["subscribe"]);
  assert.ok(queue.onMessage({ type: "subscribed", topics: ["a"], filters: {}, cursor: "C1" }));
  assert.deepEqual(sent.map((command) => command.action), ["subscribe", "unsubscribe"]);
  assert.ok(queue.onMessage({ type: "unsubscribed", topics: ["b"] }));
  assert.ok(queue.onMessage({ type: "pong", timestamp: 1 }));
  assert.deepEqual(await first, { topics: ["a"], refused: [], filters: {}, cursor: "C1" });
  assert.deepEqual(await second, { topics: ["b"], refused: [] });
  assert.deepEqual(await third, { type: "pong", timestamp: 1 });
  assert.equal(queue.size, 0);
});

test("a subscribe naming several topics collects one error per refused topic, then resolves with the subscribed ones", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const next = queue.push({ action: "ping" });
  const ack = queue.push({ action: "subscribe", topics: ["a", "denied", "b", "unknown"], filters: { commodity: "oil" } });
  queue.onMessage({ type: "pong", timestamp: 1 });
  assert.ok(queue.onMessage(refusal("SUBSCRIPTION_DENIED", "denied")));
  assert.ok(queue.onMessage(refusal("UNKNOWN_TOPIC", "unknown")));
  assert.ok(queue.onMessage({ type: "subscribed", topics: ["a", "b"], filters: { commodity: "oil" }, cursor: "C2" }));
  const result = await ack;
  await next;
  assert.deepEqual(result.topics, ["a", "b"]);
  assert.deepEqual(result.refused.map((error) => [error.code, error.details.topic]), [["SUBSCRIPTION_DENIED", "denied"], ["UNKNOWN_TOPIC", "unknown"]]);
  assert.ok(result.refused[0] instanceof StreamingError);
  assert.equal(result.cursor, "C2");
});

test("a subscribe whose every topic is refused rejects with the first refusal, listing all", { timeout: 10_000 }, async () => {
  const { queue, sent } = attachedQueue();
  const ack = queue.push({ action: "subscribe", topics: ["x", "y"] });
  const after = queue.push({ action: "ping" });
  queue.onMessage(refusal("SUBSCRIPTION_DENIED", "x"));
  assert.equal(sent.length, 1, "not done while y is unanswered");
  queue.onMessage(refusal("ENTITLEMENTS_UNAVAILABLE", "y"));
  await assert.rejects(ack, (error) => error instanceof StreamingError && error.code === "SUBSCRIPTION_DENIED"
    && error.details.topic === "x" && error.refused.length === 2 && error.refused[1].code === "ENTITLEMENTS_UNAVAILABLE");
  assert.equal(sent.length, 2, "the ping goes out once the subscribe is settled");
  queue.onMessage({ type: "pong", timestamp: 2 });
  await after;
});

test("an error without a topic settles the command in flight, and only it", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const bad = queue.push({ action: "subscribe", topics: ["a"], filters: { price: { gt: 1 } } });
  const good = queue.push({ action: "subscribe", topics: ["a"] });
  queue.onMessage(refusal("INVALID_FILTER"));
  await assert.rejects(bad, { code: "INVALID_FILTER" });
  queue.onMessage({ type: "subscribed", topics: ["a"], filters: {}, cursor: "C" });
  assert.deepEqual((await good).topics, ["a"]);
});

test("a refusal of the whole frame settles the command even when it names a topic", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const ack = queue.push({ action: "subscribe", topics: ["bad name", "a"] });
  queue.onMessage(refusal("INVALID_MESSAGE", "bad name"));
  await assert.rejects(ack, { code: "INVALID_MESSAGE" });
});

test("notices and unrelated messages are not taken as answers", { timeout: 10_000 }, () => {
  const { queue } = attachedQueue();
  queue.push({ action: "subscribe", topics: ["a"] });
  assert.equal(queue.onMessage({ type: "pong", timestamp: 1 }), false);
  assert.equal(queue.onMessage({ type: "unsubscribed", topics: ["a"] }), false);
  assert.equal(queue.onMessage({ type: "subscribed", topics: ["other"], cursor: "C" }), false);
  assert.equal(queue.onMessage(refusal("SUBSCRIPTION_DENIED", "other-topic")), false, "another topic's refusal");
  assert.equal(queue.size, 1);
});

test("an SSE stream's subscribed event lists every topic held: the command takes its own", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const ack = queue.push({ action: "subscribe", topics: ["a", "nope"] });
  queue.onMessage(refusal("UNKNOWN_TOPIC", "nope"));
  queue.onMessage({ type: "subscribed", topics: ["a", "served.market.latest_prices.v1"], cursor: "C" });
  const result = await ack;
  assert.deepEqual(result.topics, ["a"]);
  assert.deepEqual(result.refused.map((error) => error.code), ["UNKNOWN_TOPIC"]);
});

test("answers that come one topic at a time (SSE control calls) settle once every topic is answered", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const ack = queue.push({ action: "subscribe", topics: ["a", "b"] });
  queue.onMessage({ type: "subscribed", topics: ["a"] });
  assert.equal(queue.size, 1);
  queue.onMessage({ type: "subscribed", topics: ["b"] });
  assert.deepEqual((await ack).topics, ["a", "b"]);
});

test("on a drop the user's commands wait for the next connection, and commands tied to the old one are dropped", { timeout: 10_000 }, async () => {
  const { queue, sent } = attachedQueue();
  const restore = queue.pushFront([{ action: "subscribe", topics: ["r", "s"], connectionBound: true }])[0];
  const user = queue.push({ action: "subscribe", topics: ["a"] });
  const ping = queue.push({ action: "ping", connectionBound: true });
  queue.onMessage(refusal("SUBSCRIPTION_DENIED", "r")); // half an answer: then the connection drops
  queue.detach();
  await assert.rejects(restore, { code: "CONNECTION_LOST" });
  await assert.rejects(ping, { code: "CONNECTION_LOST" });
  assert.equal(queue.size, 1);
  const again = [];
  queue.attach((command) => again.push(command));
  assert.deepEqual(again.map((command) => command.topics), [["a"]]);
  queue.onMessage({ type: "subscribed", topics: ["a"], cursor: "C" });
  assert.deepEqual((await user).topics, ["a"]);
  assert.equal(sent.length, 1);
});

test("a command sent again after a drop starts from a clean outcome", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const ack = queue.push({ action: "subscribe", topics: ["a", "b"] });
  queue.onMessage(refusal("SUBSCRIPTION_DENIED", "a"));
  queue.detach();
  queue.attach(() => {});
  queue.onMessage({ type: "subscribed", topics: ["a", "b"], cursor: "C" });
  const result = await ack;
  assert.deepEqual(result.topics, ["a", "b"]);
  assert.deepEqual(result.refused, []);
});

test("restored subscriptions go before the commands already waiting", { timeout: 10_000 }, () => {
  const queue = new CommandQueue();
  queue.push({ action: "subscribe", topics: ["user"] });
  queue.pushFront([{ action: "subscribe", topics: ["r1"] }, { action: "subscribe", topics: ["r2"] }]);
  const sent = [];
  queue.attach((command) => sent.push(command.topics[0]));
  queue.onMessage({ type: "subscribed", topics: ["r1"] });
  queue.onMessage({ type: "subscribed", topics: ["r2"] });
  assert.deepEqual(sent, ["r1", "r2", "user"]);
});

test("failAll rejects every command, the one in flight included", { timeout: 10_000 }, async () => {
  const { queue } = attachedQueue();
  const first = queue.push({ action: "subscribe", topics: ["a"] });
  const second = queue.push({ action: "ping" });
  queue.failAll(new StreamingError("CLIENT_CLOSED", "closed"));
  await assert.rejects(first, { code: "CLIENT_CLOSED" });
  await assert.rejects(second, { code: "CLIENT_CLOSED" });
  assert.equal(queue.size, 0);
});
