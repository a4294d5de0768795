// Client of the 254Carbon streaming gateway (Kafka -> WebSocket / Server-Sent Events).
//
// One self-contained ES module with no imports and no build step: the gateway serves this very file
// at /console/streaming-client.js, and it runs unchanged in browsers and in Node >= 22. Globals
// (WebSocket, fetch) are looked up only when a connection is made, so the module loads anywhere.
//
// Reading order: errors, the pure building blocks (backoff, Retry-After, close policy, JWT expiry,
// SSE parser, command queue), the two transports, then StreamingClient, which wires them together.

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

/** Every failure the client reports: the gateway's error code (README "Error codes") or one of ours. */
export class StreamingError extends Error {
  /**
   * @param {string} code e.g. "SUBSCRIPTION_DENIED", "UNAUTHORIZED", "SLOW_CONSUMER", "CLIENT_CLOSED"
   * @param {string} message
   * @param {{details?: object, status?: number, refused?: StreamingError[]}} [extra]
   */
  constructor(code, message, { details = {}, status, refused } = {}) {
    super(message);
    this.name = "StreamingError";
    this.code = code;
    this.details = details;
    if (status !== undefined) this.status = status;
    if (refused !== undefined) this.refused = refused;
  }

  /** From the gateway's error body or message: `{error, message, details}`. */
  static fromProblem(problem, status) {
    return new StreamingError(problem?.error ?? "INTERNAL_ERROR", problem?.message ?? "the gateway refused", {
      details: problem?.details ?? {},
      status,
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Backoff and Retry-After
// ---------------------------------------------------------------------------------------------------

/**
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015):
 * the n-th delay is uniform in [0, min(max, initial * 2^n)], so clients dropped together (an instance
 * died) come back spread out instead of in waves.
 */
export class Backoff {
  constructor({ initialDelayMs = 500, maxDelayMs = 30_000 } = {}, random = Math.random) {
    this.initialDelayMs = initialDelayMs;
    this.maxDelayMs = Math.max(maxDelayMs, initialDelayMs);
    this.random = random;
    this.attempt = 0;
  }

  /** The ceiling of the next delay, before jitter. */
  get ceilingMs() {
    return Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempt);
  }

  next() {
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.attempt += 1;
    return delay;
  }

  reset() {
    this.attempt = 0;
  }
}

/** `Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP date; milliseconds, or null when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // an HTTP date always names its month; Date.parse alone would read "-3" as a year
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

// ---------------------------------------------------------------------------------------------------
// What each way a connection can end means (README "Close codes"; SSE streams carry the same code in
// their last `error` event, and a `reconnect` event when the instance shuts down)
// ---------------------------------------------------------------------------------------------------

/** Actions: "retry" (backoff), "prompt" (at once, with jitter), "renew-token" (ask the provider, then retry), "throttled" (backoff, counted toward giving up). */
const CLOSE_POLICIES = new Map([
  [1000, { action: "retry", name: "NORMAL" }], // the server sends it only when asked; anything else is a drop
  [1001, { action: "prompt", name: "GOING_AWAY" }], // the instance drains: another one takes us
  [1009, { action: "retry", name: "MESSAGE_TOO_BIG" }],
  [4000, { action: "retry", name: "HEARTBEAT_TIMEOUT" }],
  [4001, { action: "throttled", name: "SLOW_CONSUMER" }], // resume loses nothing, but not in a tight loop
  [4002, { action: "renew-token", name: "TOKEN_EXPIRED" }],
  [4003, { action: "throttled", name: "RATE_LIMITED" }],
]);

/** The policy for a WebSocket close code (or an SSE stream's `close_code`); unknown codes (1006: the network) retry. */
export function closePolicy(code) {
  return CLOSE_POLICIES.get(code) ?? { action: "retry", name: code === 1006 ? "ABNORMAL_CLOSURE" : `CLOSE_${code}` };
}

/**
 * The policy for an HTTP refusal of the stream request (seen only over SSE: browsers hide a refused
 * WebSocket handshake behind close code 1006). A token or origin the gateway refuses will be refused
 * again, so those stop the client instead of looping; overload and timeouts are retried.
 */
export function statusPolicy(status, code) {
  if (status === 400 && code === "INVALID_CURSOR") return { action: "drop-cursor" };
  if (status === 408 || status === 429 || status >= 500) return { action: "retry" };
  return { action: "fatal" };
}

// ---------------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------------

/** A JWT's `exp` in epoch milliseconds; null for tokens that are not JWTs (the dev `test-token`) or carry no exp. No signature check: the gateway does that. */
export function jwtExpiryMs(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(decodeBase64Url(parts[1]));
    return typeof claims?.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

function decodeBase64Url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

// ---------------------------------------------------------------------------------------------------
// Server-Sent Events parser (WHATWG HTML, "Server-sent events", section 9.2.6 "Interpreting an event
// stream"). EventSource is not used: it cannot send an Authorization header and Node has none.
// ---------------------------------------------------------------------------------------------------

export class SseParser {
  #pending = "";
  #skipLeadingLf = false;
  #type = "";
  #data = [];
  #lastEventId = "";

  /** @param {{onEvent: (e: {type: string, data: string, id: string}) => void, onRetry?: (ms: number) => void, onComment?: (text: string) => void}} handlers */
  constructor(handlers) {
    this.handlers = handlers;
  }

  /** Text as it arrives: lines may be split anywhere, and end in CRLF, LF or CR. */
  feed(chunk) {
    let text = chunk;
    // a CR ending the previous chunk may have been the first half of a CRLF
    if (this.#skipLeadingLf && text.startsWith("\n")) text = text.slice(1);
    this.#skipLeadingLf = false;
    const buffer = this.#pending + text;
    const lineBreak = /\r\n?|\n/g;
    let lineStart = 0;
    let match;
    while ((match = lineBreak.exec(buffer)) !== null) {
      if (match[0] === "\r" && lineBreak.lastIndex === buffer.length) this.#skipLeadingLf = true;
      this.#onLine(buffer.slice(lineStart, match.index));
      lineStart = lineBreak.lastIndex;
    }
    this.#pending = buffer.slice(lineStart);
  }

  #onLine(line) {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return this.handlers.onComment?.(line.slice(1).trimStart());
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event": this.#type = value; break;
      case "data": this.#data.push(value); break;
      case "id": if (!value.includes("\0")) this.#lastEventId = value; break;
      case "retry": if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value)); break;
      default: break; // unknown fields are ignored, as the standard says
    }
  }

  #dispatch() {
    const type = this.#type || "message";
    const data = this.#data;
    this.#type = "";
    this.#data = [];
    // the id persists across events (it is the "last event id"); an event with no data line is not dispatched
    if (data.length > 0) this.handlers.onEvent({ type, data: data.join("\n"), id: this.#lastEventId });
  }
}

// ---------------------------------------------------------------------------------------------------
// Commands and their answers
// ---------------------------------------------------------------------------------------------------

/** Errors that are news, not answers: they may arrive while any command waits. */
const NOTICE_CODES = new Set(["RESUME_GAP", "TOKEN_EXPIRED", "SUBSCRIPTION_REVOKED"]);

/** Refusals of a whole command, even when they name a topic (an illegal topic name refuses the frame). */
const COMMAND_LEVEL_CODES = new Set([
  "INVALID_MESSAGE", "MISSING_FIELD", "UNKNOWN_ACTION", "INVALID_FILTER", "INVALID_CURSOR", "RATE_LIMITED",
  "UNSUPPORTED_FRAME", "UNAUTHORIZED", "FORBIDDEN", "PAYLOAD_TOO_LARGE",
]);

/** An `error` message that is a notice rather than an answer: INVALID_CURSOR names a topic only as a notice (a cursor ahead of a partition's end). */
export function isNotice(message) {
  return NOTICE_CODES.has(message.error) || (message.error === "INVALID_CURSOR" && message.details?.topic !== undefined);
}

/**
 * Matches the gateway's answers to commands. The gateway answers commands in the order sent, but it
 * answers frames it refuses before reading them (malformed, over the message rate) at once, ahead of
 * earlier commands still waiting for entitlements. So only one command is in flight: every answer then
 * belongs to it without guessing, and the client can never trip the per-connection message rate with
 * a burst of commands. The others wait here, in order (first in, first out).
 */
export class CommandQueue {
  #waiting = [];
  #inFlight = null;
  #send = null;

  /** @returns {Promise<object>} settled with the command's outcome (see #settle) */
  push(command) {
    return new Promise((resolve, reject) => {
      this.#waiting.push(freshCommand({ ...command, resolve, reject }));
      this.#pump();
    });
  }

  /** Puts commands ahead of those waiting (the subscriptions restored after a reconnect come first). */
  pushFront(commands) {
    const promises = commands.map((command) => new Promise((resolve, reject) => {
      command.resolve = resolve;
      command.reject = reject;
    }));
    this.#waiting.unshift(...commands.map(freshCommand));
    this.#pump();
    return promises;
  }

  get head() {
    return this.#inFlight ?? this.#waiting[0] ?? null;
  }

  get size() {
    return this.#waiting.length + (this.#inFlight ? 1 : 0);
  }

  /** A connection is ready: commands go out through `send(command)`. */
  attach(send) {
    this.#send = send;
    this.#pump();
  }

  /**
   * The connection dropped. The user's subscribe and unsubscribe go again on the next one (the one in
   * flight may or may not have taken effect; doing it twice is harmless). Commands tied to the old
   * connection (restores, ping, refresh) are dropped: the next connection makes its own.
   */
  detach() {
    this.#send = null;
    const all = this.#inFlight ? [this.#inFlight, ...this.#waiting] : [...this.#waiting];
    this.#inFlight = null;
    this.#waiting = [];
    for (const command of all) {
      if (command.connectionBound) {
        command.settled = true;
        command.reject(new StreamingError("CONNECTION_LOST", "the connection ended before the answer"));
      } else {
        this.#waiting.push(freshCommand(command));
      }
    }
  }

  /** Rejects a command that has not been sent (an SSE stream refused the subscription its URL carried). */
  reject(command, error) {
    const index = this.#waiting.indexOf(command);
    if (index < 0) return;
    this.#waiting.splice(index, 1);
    command.settled = true;
    command.reject(error);
  }

  /** Settles every command with the error (the client was closed or gave up). */
  failAll(error) {
    const all = this.#inFlight ? [this.#inFlight, ...this.#waiting] : this.#waiting;
    this.#inFlight = null;
    this.#waiting = [];
    this.#send = null;
    for (const command of all) {
      command.settled = true;
      command.reject(error);
    }
  }

  /** Offers a message from the gateway; true when it answered the command in flight. */
  onMessage(message) {
    const command = this.#inFlight;
    if (!command || !absorb(command, message)) return false;
    if (command.done) {
      this.#inFlight = null;
      this.#settle(command);
      this.#pump();
    }
    return true;
  }

  #pump() {
    if (this.#inFlight || !this.#send || this.#waiting.length === 0) return;
    this.#inFlight = this.#waiting.shift();
    this.#send(this.#inFlight);
  }

  /**
   * subscribe/unsubscribe resolve with `{topics, refused}` when at least one topic was accepted, and
   * reject with the first refusal (its `refused` lists all) when none was; ping and refresh resolve
   * with the answer.
   */
  #settle(command) {
    command.settled = true;
    const outcome = command.outcome;
    command.onSettle?.(outcome);
    if (outcome.error) return command.reject(outcome.error);
    if (command.action === "ping" || command.action === "refresh") return command.resolve(outcome.answer);
    if (outcome.accepted.length === 0) {
      const [first] = outcome.refused;
      return command.reject(new StreamingError(first.code, first.message,
        { details: first.details, status: first.status, refused: outcome.refused }));
    }
    const result = { topics: outcome.accepted, refused: outcome.refused };
    if (command.action === "subscribe") {
      result.filters = command.filters ?? {};
      if (outcome.cursor !== undefined) result.cursor = outcome.cursor;
    }
    command.resolve(result);
  }
}

/** The command as it is before it is sent: nothing answered yet. */
function freshCommand(command) {
  command.outcome = { accepted: [], refused: [], error: null, answer: null, cursor: undefined };
  command.done = false;
  command.settled = false;
  return command;
}

const ANSWERS = { subscribe: "subscribed", unsubscribe: "unsubscribed", ping: "pong", refresh: "refreshed" };

/** Records what the message answers of the command; false when it answers nothing of it. */
function absorb(command, message) {
  const outcome = command.outcome;
  if (message.type === "error") {
    const error = StreamingError.fromProblem(message, message.status);
    const topic = message.details?.topic;
    const perTopic = topic !== undefined && !COMMAND_LEVEL_CODES.has(message.error);
    if (perTopic) {
      // a refusal of a topic this command does not name, or already answered, is not ours
      if (!command.topics?.includes(topic) || isCovered(command, topic)) return false;
      outcome.refused.push(error);
    } else {
      outcome.error = error;
      command.done = true;
      return true;
    }
  } else if (message.type === ANSWERS[command.action]) {
    if (!command.topics) {
      outcome.answer = message;
      command.done = true;
      return true;
    }
    // over SSE the stream's `subscribed` event lists every topic it holds, the default one included
    const mine = (message.topics ?? []).filter((topic) => command.topics.includes(topic) && !isCovered(command, topic));
    if (mine.length === 0) return false;
    outcome.accepted.push(...mine);
    if (message.cursor !== undefined) outcome.cursor = message.cursor;
  } else {
    return false;
  }
  command.done = command.topics.every((topic) => isCovered(command, topic));
  return true;
}

function isCovered(command, topic) {
  const { accepted, refused } = command.outcome;
  return accepted.includes(topic) || refused.some((error) => error.details?.topic === topic);
}

// ---------------------------------------------------------------------------------------------------
// Transports. Both report the same things to the client: onOpen({connectionId}), onMessage(message in
// the WebSocket shape), onActivity() and, once, onEnd({code, reason, opened, status?, problem?, retryAfterMs?}).
// ---------------------------------------------------------------------------------------------------

/** `base` + `path`, keeping a path prefix the gateway may sit behind; ws(s) for WebSockets. */
function endpoint(base, path, { webSocket = false } = {}) {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, "") + path;
  url.search = "";
  url.hash = "";
  if (webSocket) url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

class WebSocketLink {
  #socket = null;
  #opened = false;
  #ended = false;

  constructor({ baseUrl, token, WebSocket }, events) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.WebSocketImpl = WebSocket;
    this.events = events;
  }

  get kind() {
    return "websocket";
  }

  open() {
    const Impl = this.WebSocketImpl ?? globalThis.WebSocket;
    if (typeof Impl !== "function") {
      return this.#end({ code: 1006, reason: "no WebSocket implementation (pass options.WebSocket, or use transport \"sse\")" });
    }
    // browsers cannot set headers on a WebSocket: the token goes in the query (the gateway never logs it)
    const url = endpoint(this.baseUrl, "/ws/stream", { webSocket: true });
    if (this.token) url.searchParams.set("token", this.token);
    try {
      this.#socket = new Impl(url.toString());
    } catch (error) {
      return this.#end({ code: 1006, reason: String(error?.message ?? error) });
    }
    this.#socket.onmessage = (event) => this.#onFrame(event.data);
    this.#socket.onclose = (event) => this.#end({ code: event.code, reason: event.reason });
    // browsers follow an error with a close event whose code says more; Node's WebSocket (undici) fires
    // no close after a failed handshake, so an error before the socket opened ends the link here
    this.#socket.onerror = (event) => {
      if (this.#socket.readyState !== 1) this.#end({ code: 1006, reason: String(event?.message ?? "the WebSocket failed to open") });
    };
  }

  #onFrame(text) {
    if (typeof text !== "string") return; // the gateway sends text frames only
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this.events.onActivity();
    if (message.type === "connection_established") {
      this.#opened = true;
      this.events.onOpen({ connectionId: message.connection_id });
    } else {
      this.events.onMessage(message);
    }
  }

  send(command) {
    const data = { topics: command.topics };
    if (command.action === "subscribe") {
      if (command.filters && Object.keys(command.filters).length > 0) data.filters = command.filters;
      if (command.maxRate !== undefined) data.max_rate = command.maxRate;
      if (command.resume) data.resume = command.resume;
    }
    const frame = command.action === "refresh" ? { action: "refresh", data: { token: command.token } }
      : command.action === "ping" ? { action: "ping", data: {} }
        : { action: command.action, data };
    try {
      this.#socket.send(JSON.stringify(frame));
    } catch {
      // the socket is closing: its close event follows, and the command goes again on the next connection
    }
  }

  /** Ends the link from our side; what the socket reports afterwards is ignored. */
  close(code = 1000, reason = "client closing") {
    this.#ended = true;
    try {
      this.#socket?.close(code, reason);
    } catch {
      this.#socket?.close();
    }
  }

  #end(ending) {
    if (this.#ended) return;
    this.#ended = true;
    this.events.onEnd({ ...ending, opened: this.#opened });
  }
}

class SseLink {
  #abort = new AbortController();
  #opened = false;
  #ended = false;
  #connectionId = null;
  #closing = null; // the stream's last `error` (close_code) or `reconnect` event

  /** @param {{baseUrl: string, token?: string, cursor?: string, opening?: {topics: string[], filters?: object, maxRate?: number}, fetch: Function}} options */
  constructor({ baseUrl, token, cursor, opening, fetch }, events) {
    Object.assign(this, { baseUrl, token, cursor, opening, fetchImpl: fetch, events });
  }

  get kind() {
    return "sse";
  }

  async open() {
    const fetchImpl = this.fetchImpl ?? globalThis.fetch;
    let response;
    try {
      response = await fetchImpl(this.#streamUrl(), { headers: this.#streamHeaders(), signal: this.#abort.signal, cache: "no-store" });
    } catch (error) {
      return this.#end({ code: 1006, reason: String(error?.message ?? error) });
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      return this.#end({
        status: response.status, problem, code: 1006, reason: `HTTP ${response.status} ${problem.error ?? ""}`.trim(),
        retryAfterMs: parseRetryAfter(response.headers.get("Retry-After")),
      });
    }
    await this.#read(response.body);
  }

  /** Topics, filters and max_rate of the opening subscription ride in the query, as EventSource would send them. */
  #streamUrl() {
    const url = endpoint(this.baseUrl, "/sse/stream");
    const opening = this.opening;
    if (opening?.topics?.length) {
      url.searchParams.set("topics", opening.topics.join(","));
      if (opening.filters && Object.keys(opening.filters).length > 0) url.searchParams.set("filters", JSON.stringify(opening.filters));
      if (opening.maxRate !== undefined) url.searchParams.set("max_rate", String(opening.maxRate));
    }
    return url.toString();
  }

  #streamHeaders() {
    const headers = { Accept: "text/event-stream" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.cursor) headers["Last-Event-ID"] = this.cursor; // the header wins over a lastEventId parameter
    return headers;
  }

  async #read(body) {
    const decoder = new TextDecoder();
    const parser = new SseParser({
      onEvent: (event) => this.#onEvent(event),
      onComment: () => {}, // heartbeats count as activity below
    });
    try {
      const reader = body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.events.onActivity();
        parser.feed(decoder.decode(value, { stream: true }));
        if (this.#ended) return;
      }
      this.#end(this.#closing ?? { code: 1006, reason: "the stream ended" });
    } catch (error) {
      this.#end(this.#closing ?? { code: 1006, reason: String(error?.message ?? error) });
    }
  }

  #onEvent({ type, data, id }) {
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    switch (type) {
      case "connection_established":
        this.#opened = true;
        this.#connectionId = payload.connection_id;
        return this.events.onOpen({ connectionId: payload.connection_id });
      case "subscribed":
        return this.events.onMessage({ type, topics: payload.topics ?? [], cursor: id || payload.cursor });
      case "data":
      case "snapshot":
        return this.events.onMessage({ type, cursor: id, ...payload });
      case "snapshot_complete":
        return this.events.onMessage({ type, ...payload });
      case "reconnect":
        this.#closing = { code: 1001, reason: payload.reason ?? "GOING_AWAY", retryAfterMs: payload.retry_ms };
        return undefined;
      case "error":
        // a stream the server ends gets a last error naming the WebSocket close code it stands for
        if (payload.close_code !== undefined) {
          this.#closing = { code: payload.close_code, reason: payload.error };
          return undefined;
        }
        return this.events.onMessage({ type: "error", ...payload });
      default:
        return undefined;
    }
  }

  /**
   * Subscribe and unsubscribe are control calls, one POST per topic, sent one after another so that
   * they take effect in order. Each answer is fed back in the WebSocket shape, so one matcher serves both.
   * There is no ping (the server's heartbeat comments show liveness) and no refresh (a new stream is).
   */
  async send(command, deliver) {
    if (command.viaStream) return; // answered by the stream itself: error events, then `subscribed`
    const path = command.action === "subscribe" ? "/sse/subscribe" : "/sse/unsubscribe";
    for (const topic of command.topics) {
      if (command.done || this.#ended) return;
      const body = { connection_id: this.#connectionId, topic };
      if (command.action === "subscribe" && command.filters) body.filters = command.filters;
      let response;
      try {
        response = await (this.fetchImpl ?? globalThis.fetch)(endpoint(this.baseUrl, path).toString(), {
          method: "POST", headers: this.#controlHeaders(), body: JSON.stringify(body),
        });
      } catch (error) {
        // the gateway is unreachable, so the stream is as good as gone: the command goes again on the next one
        return this.#abortAndEnd({ code: 1006, reason: String(error?.message ?? error) });
      }
      const answer = await response.json().catch(() => ({}));
      if (this.#ended) return;
      if (response.ok) {
        deliver({ type: command.action === "subscribe" ? "subscribed" : "unsubscribed", topics: [topic] });
      } else if (answer.error === "UNKNOWN_CONNECTION") {
        // the stream ended before we knew: end it here too; the command goes again on the next one
        return this.#abortAndEnd({ code: 1006, reason: "the stream ended (UNKNOWN_CONNECTION)" });
      } else {
        deliver({ type: "error", ...answer, status: response.status });
      }
    }
  }

  #controlHeaders() {
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  #abortAndEnd(ending) {
    this.#end(ending);
    this.#abort.abort();
  }

  /** Ends the link from our side; nothing is reported afterwards. */
  close() {
    this.#ended = true;
    this.#abort.abort();
  }

  #end(ending) {
    if (this.#ended) return;
    this.#ended = true;
    this.events.onEnd({ ...ending, opened: this.#opened });
  }
}

// ---------------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------------

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout fires at once past this
const DEFAULTS = {
  transport: "auto",
  reconnect: { initialDelayMs: 500, maxDelayMs: 30_000, maxThrottledCloses: 5, stableAfterMs: 10_000 },
  heartbeat: { idleMs: 30_000, timeoutMs: 10_000 },
  connectTimeoutMs: 15_000,
  refreshBeforeExpiryMs: 30_000,
};

export class StreamingClient {
  #options;
  #handlers = new Map();
  #queue = new CommandQueue();
  /** topic -> {filters, maxRate}: what the gateway acknowledged, restored after every reconnect */
  #subscriptions = new Map();
  #state = "closed";
  #cursor = null;
  #connectionId = null;
  #link = null;
  #backoff;
  #random;
  #stopped = false;
  #started = false;
  #everOpen = false;
  #firstOpen = null;
  #restoring = 0; // restore commands still unanswered: until then, new cursors cover only part of what we hold
  #webSocketOpenFailures = 0;
  #fellBackToSse = false;
  #throttledCloses = 0;
  #openedAt = 0;
  #deliveredSinceOpen = false;
  #lastActivity = 0;
  #timers = { reconnect: null, refresh: null, watchdog: null, connect: null };
  #refreshing = false;
  #token = null; // the token the current connection holds
  #warnedExpiry = null; // the expires_at of the last TOKEN_EXPIRED warning acted on
  #pendingWarning = null; // a warning that came while a refresh was under way

  /** See README.md "Options". */
  constructor(options = {}) {
    const url = options.url ?? globalThis.location?.origin;
    if (!url) throw new StreamingError("INVALID_OPTIONS", "options.url is required outside a browser page");
    if (!["auto", "websocket", "sse"].includes(options.transport ?? "auto")) {
      throw new StreamingError("INVALID_OPTIONS", "options.transport must be \"auto\", \"websocket\" or \"sse\"");
    }
    this.#options = {
      ...DEFAULTS,
      ...options,
      url,
      reconnect: { ...DEFAULTS.reconnect, ...options.reconnect },
      heartbeat: options.heartbeat === false ? false : { ...DEFAULTS.heartbeat, ...options.heartbeat },
    };
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff(this.#options.reconnect, this.#random);
  }

  get state() { return this.#state; }
  get cursor() { return this.#cursor; }
  get connectionId() { return this.#connectionId; }
  /** The transport in use or last used: "websocket" or "sse". */
  get transport() { return this.#link?.kind ?? this.#chooseTransport(); }
  /** What the gateway acknowledged and a reconnect restores: topic -> {filters, maxRate}. */
  get subscriptions() { return new Map([...this.#subscriptions].map(([topic, sub]) => [topic, { ...sub }])); }

  on(event, handler) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
    this.#handlers.get(event).add(handler);
    return this;
  }

  off(event, handler) {
    this.#handlers.get(event)?.delete(handler);
    return this;
  }

  /** Starts connecting; settles when first open, or rejects when the client gives up or is closed first. */
  connect() {
    if (this.#stopped) return Promise.reject(new StreamingError("CLIENT_CLOSED", "the client was closed; make a new one"));
    if (!this.#started) {
      this.#started = true;
      this.#firstOpen = deferred();
      this.#attempt("connect() called");
    }
    return this.#firstOpen.promise;
  }

  /** Resolves with {topics, filters, refused, cursor?} once the gateway accepted at least one topic; rejects with a StreamingError when it accepted none. */
  subscribe(topics, filters = {}, { maxRate, resume } = {}) {
    const problem = validateSubscribe(topics, filters, maxRate, resume);
    if (problem) return Promise.reject(problem);
    if (this.#stopped) return Promise.reject(closedError());
    const command = { action: "subscribe", topics: [...new Set(topics)], filters, maxRate };
    // a cursor kept from earlier (a paused view, another page): what these topics missed since comes first
    if (resume) command.resume = resume;
    return this.#queue.push(command).then((result) => {
      for (const topic of result.topics) this.#subscriptions.set(topic, { filters, maxRate });
      return result;
    });
  }

  /** Resolves with {topics, refused}; unsubscribing from a registered topic one does not hold is acknowledged. */
  unsubscribe(topics) {
    if (!Array.isArray(topics) || topics.length === 0 || !topics.every((topic) => TOPIC_NAME.test(topic))) {
      return Promise.reject(new StreamingError("INVALID_MESSAGE", "topics must be a non-empty array of topic names"));
    }
    if (this.#stopped) return Promise.reject(closedError());
    return this.#queue.push({ action: "unsubscribe", topics: [...new Set(topics)] }).then((result) => {
      for (const topic of result.topics) this.#subscriptions.delete(topic);
      return result;
    });
  }

  /** Stops for good: no reconnect; waiting commands reject with CLIENT_CLOSED. */
  close() {
    if (this.#stopped) return;
    this.#stop(closedError(), "close() called");
  }

  // --- connecting -----------------------------------------------------------------------------

  async #attempt(reason, presetToken) {
    this.#timers.reconnect = null;
    this.#setState(this.#everOpen ? "reconnecting" : "connecting", { reason });
    let token;
    try {
      token = presetToken ?? await this.#tokenNow();
    } catch (error) {
      if (this.#stopped) return;
      this.#emit("notice", new StreamingError("TOKEN_PROVIDER_FAILED", `the token provider failed: ${error?.message ?? error}`));
      return this.#retryLater(this.#backoff.next(), "the token provider failed");
    }
    if (this.#stopped) return;
    const link = this.#newLink(token);
    this.#link = link;
    this.#lastActivity = Date.now();
    // a handshake can hang (a black-holed address, a proxy that never answers): count it as a failed open
    this.#timers.connect = setTimeout(() => {
      if (this.#link !== link) return;
      link.close();
      this.#onEnd({ code: 1006, reason: `not open within ${this.#options.connectTimeoutMs} ms`, opened: false, kind: link.kind });
    }, this.#options.connectTimeoutMs);
    link.open();
  }

  #newLink(token) {
    const events = {
      onOpen: (info) => this.#link === link && this.#onOpen(info, token),
      onMessage: (message) => this.#link === link && this.#onMessage(message),
      onActivity: () => { if (this.#link === link) this.#lastActivity = Date.now(); },
      onEnd: (ending) => this.#link === link && this.#onEnd({ ...ending, kind: link.kind }),
    };
    const base = { baseUrl: this.#options.url, token };
    const opening = this.#sseOpening();
    const link = this.#chooseTransport() === "sse"
      ? new SseLink({ ...base, cursor: this.#cursor ?? opening?.resume, opening, fetch: this.#options.fetch }, events)
      : new WebSocketLink({ ...base, WebSocket: this.#options.WebSocket }, events);
    return link;
  }

  #chooseTransport() {
    const wanted = this.#options.transport;
    if (wanted !== "auto") return wanted;
    const haveWebSocket = typeof (this.#options.WebSocket ?? globalThis.WebSocket) === "function";
    return this.#fellBackToSse || !haveWebSocket ? "sse" : "websocket";
  }

  /**
   * An SSE stream carries one subscription in its URL (topics, filters, max_rate), and only that one
   * resumes from Last-Event-ID: control calls have no resume. So the URL takes the first restored
   * group, or on a first connect the first subscribe waiting; the rest go by POST.
   */
  #sseOpening() {
    const [first] = this.#restoreGroups();
    if (first) return first;
    const head = this.#queue.head;
    if (head?.action === "subscribe") {
      head.viaStream = true;
      return head;
    }
    return null;
  }

  #restoreGroups() {
    const groups = new Map();
    for (const [topic, { filters, maxRate }] of this.#subscriptions) {
      const key = JSON.stringify([filters, maxRate]);
      if (!groups.has(key)) groups.set(key, { action: "subscribe", topics: [], filters, maxRate, connectionBound: true, restore: true });
      groups.get(key).topics.push(topic);
    }
    return [...groups.values()];
  }

  #onOpen({ connectionId }, token) {
    clearTimeout(this.#timers.connect);
    this.#token = token;
    this.#connectionId = connectionId;
    this.#everOpen = true;
    this.#openedAt = Date.now();
    this.#deliveredSinceOpen = false;
    if (this.#link.kind === "websocket") this.#webSocketOpenFailures = 0;
    this.#setState("open", { reason: `connected over ${this.#link.kind}` });
    this.#firstOpen?.resolve();
    this.#restore();
    const link = this.#link;
    this.#queue.attach((command) => (link.kind === "sse"
      ? link.send(command, (message) => this.#link === link && this.#onAnswer(message))
      : link.send(command)));
    this.#scheduleRefresh(token);
    this.#armWatchdog();
  }

  /** Puts back what the gateway had acknowledged, resuming from the cursor (WebSocket: every group; SSE: the URL's group). */
  #restore() {
    const groups = this.#restoreGroups();
    this.#restoring = groups.length;
    if (groups.length === 0) return;
    const viaSse = this.#link.kind === "sse";
    groups.forEach((group, index) => {
      if (viaSse && index === 0) group.viaStream = true;
      else if (!viaSse && this.#cursor) group.resume = this.#cursor;
      group.onSettle = (outcome) => this.#onRestored(group, outcome);
    });
    for (const promise of this.#queue.pushFront(groups)) promise.catch(() => {}); // outcomes handled in onSettle
  }

  #onRestored(group, outcome) {
    this.#restoring = Math.max(0, this.#restoring - 1);
    if (outcome.error?.code === "INVALID_CURSOR" && group.resume) {
      // a cursor this gateway cannot read (another deployment wrote it): start the group live rather than lose it
      this.#cursor = null;
      this.#emit("notice", outcome.error);
      const live = { action: "subscribe", topics: group.topics, filters: group.filters, maxRate: group.maxRate, connectionBound: true, restore: true };
      live.onSettle = (retried) => this.#onRestored(live, retried);
      this.#restoring += 1;
      this.#queue.pushFront([live])[0].catch(() => {});
      return;
    }
    const refusals = outcome.error ? group.topics.map(() => outcome.error) : outcome.refused;
    const lost = outcome.error ? group.topics : outcome.refused.map((error) => error.details?.topic);
    for (const topic of lost) this.#subscriptions.delete(topic);
    for (const error of new Set(refusals)) this.#emit("notice", error);
  }

  // --- what arrives ---------------------------------------------------------------------------

  #onMessage(message) {
    switch (message.type) {
      case "data":
      case "snapshot":
        return this.#deliver(message);
      case "snapshot_complete":
        this.#adoptCursor(message.cursor);
        return this.#emit("snapshot_complete", { topic: message.topic, count: message.count, cursor: message.cursor });
      case "error":
        return isNotice(message) ? this.#onNotice(message) : this.#onAnswer(message);
      default:
        return this.#onAnswer(message);
    }
  }

  #onAnswer(message) {
    const answered = this.#queue.onMessage(message);
    // an acknowledgement's cursor covers every topic held, the one just added included
    if (message.type === "subscribed" && message.cursor) this.#adoptCursor(message.cursor);
    if (!answered && message.type === "error") this.#emit("notice", StreamingError.fromProblem(message, message.status));
  }

  #deliver(message) {
    const { type, topic, partition, offset, cursor, timestamp, data } = message;
    this.#adoptCursor(cursor);
    this.#deliveredSinceOpen = true;
    this.#throttledCloses = 0;
    this.#emit(type, { topic, partition, offset, cursor, timestamp, data });
  }

  /** Right after a reconnect, until the restore is answered, a new cursor covers only part of what we hold: keep the old one. */
  #adoptCursor(cursor) {
    if (cursor && this.#restoring === 0) this.#cursor = cursor;
  }

  #onNotice(message) {
    const notice = StreamingError.fromProblem(message);
    if (notice.code === "SUBSCRIPTION_REVOKED") this.#subscriptions.delete(notice.details.topic);
    if (notice.code === "TOKEN_EXPIRED") this.#onExpiryWarning(notice.details.expires_at);
    this.#emit("notice", notice);
  }

  // --- how a connection ends ------------------------------------------------------------------

  #onEnd(ending) {
    this.#link = null;
    this.#queue.detach();
    this.#clearTimers();
    if (this.#stopped) return;
    const opening = this.#sseOpeningCommand();
    if (ending.opened && this.#deliveredSinceOpen && Date.now() - this.#openedAt >= this.#options.reconnect.stableAfterMs) {
      this.#backoff.reset();
    }
    if (!ending.opened && ending.kind === "sse" && this.#fellBackToSse) {
      // SSE fails too: the gateway is down rather than WebSockets blocked, so WebSocket gets its chance again
      this.#fellBackToSse = false;
      this.#webSocketOpenFailures = 0;
    }
    if (ending.status !== undefined) return this.#onRefused(ending, opening);
    if (!ending.opened && ending.kind === "websocket") this.#onWebSocketNotOpened();
    const policy = closePolicy(ending.code);
    const reason = `closed ${ending.code} ${policy.name}${ending.reason ? `: ${ending.reason}` : ""}`;
    switch (policy.action) {
      case "prompt":
        return this.#retryLater((ending.retryAfterMs ?? 0) + this.#jitter(), reason);
      case "throttled":
        this.#throttledCloses += 1;
        if (this.#throttledCloses >= this.#options.reconnect.maxThrottledCloses) {
          return this.#giveUp(new StreamingError(policy.name,
            `the gateway closed the connection ${this.#throttledCloses} times in a row with ${ending.code} ${policy.name} and nothing delivered in between`,
            { details: { close_code: ending.code } }), reason);
        }
        return this.#retryLater(this.#backoff.next(), reason);
      default: // "retry", and "renew-token": every attempt asks the token provider anyway
        return this.#retryLater(this.#backoff.next(), reason);
    }
  }

  /** The command an SSE stream carried in its URL, when its request was refused: it must not ride the next URL blindly. */
  #sseOpeningCommand() {
    const head = this.#queue.head;
    if (head?.viaStream) {
      head.viaStream = false;
      return head;
    }
    return null;
  }

  /** An HTTP refusal of an SSE stream (WebSocket handshakes hide theirs). */
  #onRefused(ending, opening) {
    const problem = StreamingError.fromProblem(ending.problem, ending.status);
    const policy = statusPolicy(ending.status, problem.code);
    const reason = `HTTP ${ending.status} ${problem.code}`;
    if (policy.action === "drop-cursor") {
      this.#emit("notice", problem);
      this.#cursor = null;
      return this.#retryLater(this.#jitter(), reason);
    }
    if (policy.action === "retry") return this.#retryLater(Math.max(ending.retryAfterMs ?? 0, this.#backoff.next()), reason);
    if (ending.status === 400 && opening && !opening.restore) {
      // the user's own subscribe was malformed (filters the gateway refuses): refuse it alone and go on
      this.#queue.reject(opening, problem);
      return this.#retryLater(this.#jitter(), reason);
    }
    return this.#giveUp(problem, reason);
  }

  #onWebSocketNotOpened() {
    this.#webSocketOpenFailures += 1;
    if (this.#options.transport === "auto" && this.#webSocketOpenFailures >= 2 && !this.#fellBackToSse) {
      // proxies that strip Upgrade, and browsers behind them, fail the same way every time
      this.#fellBackToSse = true;
      this.#emit("notice", new StreamingError("TRANSPORT_FALLBACK", "the WebSocket failed to open twice in a row; using Server-Sent Events"));
    }
  }

  #retryLater(delayMs, reason) {
    if (this.#stopped) return;
    this.#setState(this.#everOpen ? "reconnecting" : "connecting", { reason, delayMs });
    this.#timers.reconnect = setTimeout(() => this.#attempt(reason), delayMs);
  }

  /** Up to the first backoff step, at random: "at once" for many clients must not mean the same millisecond. */
  #jitter() {
    return Math.floor(this.#random() * this.#options.reconnect.initialDelayMs);
  }

  #giveUp(error, reason) {
    this.#stop(error, reason);
    this.#emit("error", error);
  }

  #stop(error, reason) {
    this.#stopped = true;
    this.#clearTimers();
    const link = this.#link;
    this.#link = null;
    link?.close();
    this.#queue.failAll(error);
    this.#firstOpen?.reject(error);
    this.#setState("closed", { reason });
  }

  // --- tokens and liveness --------------------------------------------------------------------

  async #tokenNow() {
    const token = this.#options.token;
    return typeof token === "function" ? await token() : token;
  }

  /** A JWT is renewed ahead of its exp (the gateway warns 60 s before and closes at exp); other tokens are left alone. */
  #scheduleRefresh(token) {
    clearTimeout(this.#timers.refresh);
    const expiry = jwtExpiryMs(token);
    if (expiry === null) return;
    const delay = expiry - this.#options.refreshBeforeExpiryMs - Date.now();
    if (delay <= 0) return; // already inside the window: the gateway's TOKEN_EXPIRED warning will prompt us
    this.#timers.refresh = delay > MAX_TIMER_MS
      ? setTimeout(() => this.#scheduleRefresh(token), MAX_TIMER_MS)
      : setTimeout(() => this.#refreshToken(), delay);
  }

  /**
   * The gateway warns 60 s before exp, and again after each refresh whose token is still inside that
   * window. A JWT's own schedule (exp - refreshBeforeExpiryMs) already covers it, so acting on every
   * warning would only loop; a token the client cannot read is refreshed once per warned expiry.
   */
  #onExpiryWarning(expiresAt) {
    if (jwtExpiryMs(this.#token) !== null || expiresAt === this.#warnedExpiry) return;
    if (this.#refreshing) {
      this.#pendingWarning = expiresAt;
      return;
    }
    this.#warnedExpiry = expiresAt;
    this.#refreshToken();
  }

  async #refreshToken() {
    const link = this.#link;
    if (this.#refreshing || !link || this.#state !== "open") return;
    this.#refreshing = true;
    try {
      const token = await this.#tokenNow();
      // the same token again gains nothing: the gateway closes with 4002 at exp and the reconnect asks anew
      if (this.#link !== link || token === this.#token) return;
      if (link.kind === "websocket") {
        await this.#queue.push({ action: "refresh", token, connectionBound: true });
        this.#token = token;
        this.#scheduleRefresh(token);
      } else {
        // an SSE stream cannot take a new token: open a new one, resuming from the cursor
        this.#link = null;
        this.#queue.detach();
        this.#clearTimers();
        link.close();
        this.#attempt("token renewed", token);
      }
    } catch (error) {
      if (error?.code !== "CONNECTION_LOST" && !this.#stopped) {
        this.#emit("notice", error instanceof StreamingError ? error
          : new StreamingError("TOKEN_PROVIDER_FAILED", `the token provider failed: ${error?.message ?? error}`));
      }
    } finally {
      this.#refreshing = false;
      const pending = this.#pendingWarning;
      this.#pendingWarning = null;
      if (pending !== null && this.#link === link) this.#onExpiryWarning(pending);
    }
  }

  /**
   * Browsers answer the gateway's pings without telling the page, so a dead network looks like silence.
   * After `idleMs` without a frame we send a ping command; if nothing arrives within `timeoutMs` more, the
   * link is dropped and we reconnect. SSE streams get heartbeat comments every 10 s; silence ends them too.
   */
  #armWatchdog() {
    const heartbeat = this.#options.heartbeat;
    if (!heartbeat) return;
    const link = this.#link;
    let pinged = false;
    const check = () => {
      if (this.#link !== link) return;
      const silentFor = Date.now() - this.#lastActivity;
      if (silentFor >= heartbeat.idleMs + heartbeat.timeoutMs) {
        link.close(4000, "heartbeat timeout");
        return this.#onEnd({ code: 4000, reason: "no frame from the gateway in time", opened: true, kind: link.kind });
      }
      if (silentFor >= heartbeat.idleMs && !pinged && link.kind === "websocket") {
        pinged = true;
        this.#queue.push({ action: "ping", connectionBound: true }).then(() => { pinged = false; }, () => {});
      }
      const next = silentFor >= heartbeat.idleMs ? heartbeat.idleMs + heartbeat.timeoutMs - silentFor : heartbeat.idleMs - silentFor;
      this.#timers.watchdog = setTimeout(check, Math.max(next, 10));
    };
    this.#timers.watchdog = setTimeout(check, heartbeat.idleMs);
  }

  #clearTimers() {
    for (const name of Object.keys(this.#timers)) {
      clearTimeout(this.#timers[name]);
      this.#timers[name] = null;
    }
  }

  // --- events ---------------------------------------------------------------------------------

  #setState(state, { reason, delayMs } = {}) {
    const previous = this.#state;
    if (previous === state && delayMs === undefined) return;
    this.#state = state;
    const change = { state, previous, reason };
    if (delayMs !== undefined) change.delayMs = delayMs;
    this.#emit("state", change);
  }

  /** A handler that throws must not break the client: its error is reported apart, like an uncaught one. */
  #emit(event, payload) {
    for (const handler of [...(this.#handlers.get(event) ?? [])]) {
      try {
        handler(payload);
      } catch (error) {
        setTimeout(() => { throw error; });
      }
    }
  }
}

function validateSubscribe(topics, filters, maxRate, resume) {
  if (resume !== undefined && !(typeof resume === "string" && resume.length > 0 && resume.length <= 4096)) {
    return new StreamingError("INVALID_CURSOR", "resume must be a cursor the gateway wrote (a data message's cursor, at most 4096 characters)");
  }
  if (!Array.isArray(topics) || topics.length === 0 || !topics.every((topic) => typeof topic === "string" && TOPIC_NAME.test(topic))) {
    return new StreamingError("INVALID_MESSAGE", "topics must be a non-empty array of topic names ([a-zA-Z0-9._-], at most 249)");
  }
  if (filters === null || typeof filters !== "object" || Array.isArray(filters)) {
    return new StreamingError("INVALID_FILTER", "filters must be an object of field -> value or field -> [values]");
  }
  if (maxRate !== undefined && !(Number.isInteger(maxRate) && maxRate >= 1 && maxRate <= 10_000)) {
    return new StreamingError("INVALID_MESSAGE", "maxRate must be a whole number of messages a second from 1 to 10000");
  }
  return null;
}

function closedError() {
  return new StreamingError("CLIENT_CLOSED", "the client was closed");
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((yes, no) => { resolve = yes; reject = no; });
  promise.catch(() => {}); // connect() callers may rely on the "error" event instead of awaiting
  return { promise, resolve, reject };
}
