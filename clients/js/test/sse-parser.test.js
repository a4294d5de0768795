import { test } from "node:test";
import assert from "node:assert/strict";
import { SseParser } from "../streaming-client.js";

function parse(chunks) {
  const seen = { events: [], retries: [], comments: [] };
  const parser = new SseParser({
    onEvent: (event) => seen.events.push(event),
    onRetry: (ms) => seen.retries.push(ms),
    onComment: (text) => seen.comments.push(text),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return seen;
}

const STREAM = "retry: 3000\nevent: connection_established\ndata: {\"connection_id\":\"conn-1\"}\n\n"
  + ": heartbeat\n\n"
  + "id: CUR1\nevent: data\ndata: {\"topic\":\"t\",\"offset\":1}\n\n"
  + "event: error\ndata: {\"error\":\"RESUME_GAP\"}\n\n";

const EXPECTED = [
  { type: "connection_established", data: "{\"connection_id\":\"conn-1\"}", id: "" },
  { type: "data", data: "{\"topic\":\"t\",\"offset\":1}", id: "CUR1" },
  { type: "error", data: "{\"error\":\"RESUME_GAP\"}", id: "CUR1" }, // the last event id persists
];

test("a stream split into two chunks at every position parses the same", () => {
  for (let split = 0; split <= STREAM.length; split++) {
    const seen = parse([STREAM.slice(0, split), STREAM.slice(split)]);
    assert.deepEqual(seen.events, EXPECTED, `split at ${split}`);
    assert.deepEqual(seen.retries, [3000]);
    assert.deepEqual(seen.comments, ["heartbeat"]);
  }
});

test("a stream fed one character at a time parses the same", () => {
  assert.deepEqual(parse([...STREAM]).events, EXPECTED);
});

test("CRLF and CR line endings work, including a CRLF split between chunks", () => {
  const crlf = STREAM.replace(/\n/g, "\r\n");
  for (let split = 0; split <= crlf.length; split++) {
    assert.deepEqual(parse([crlf.slice(0, split), crlf.slice(split)]).events, EXPECTED, `split at ${split}`);
  }
  assert.deepEqual(parse([STREAM.replace(/\n/g, "\r")]).events, EXPECTED);
});

test("several data lines join with a line feed; a space after the colon is optional and only one is removed", () => {
  const { events } = parse(["data: first\ndata:second\ndata:  third\n\n"]);
  assert.deepEqual(events, [{ type: "message", data: "first\nsecond\n third", id: "" }]);
});

test("an event without data lines is not dispatched, and its event name does not leak into the next", () => {
  const { events } = parse(["event: lonely\n\ndata: x\n\n"]);
  assert.deepEqual(events, [{ type: "message", data: "x", id: "" }]);
});

test("an empty data line is an event with empty data; a field without a colon is a field with an empty value", () => {
  assert.deepEqual(parse(["data\n\n"]).events, [{ type: "message", data: "", id: "" }]);
  assert.deepEqual(parse(["data:\n\n"]).events, [{ type: "message", data: "", id: "" }]);
});

test("retry takes digits only; an id with NUL is ignored; unknown fields are ignored; an unfinished event is not dispatched", () => {
  const seen = parse(["retry: 1x\nretry: 250\nid: ok\nid: bad\0id\nfoo: bar\ndata: a\n\ndata: unfinished\n"]);
  assert.deepEqual(seen.retries, [250]);
  assert.deepEqual(seen.events, [{ type: "message", data: "a", id: "ok" }]);
});
