// Types of streaming-client.js. README.md is the reference for what each member does.

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";
export type TransportName = "websocket" | "sse";

/** Field -> value (equality) or field -> [values] (any of); values are strings, numbers or booleans. */
export type Filters = Record<string, string | number | boolean | Array<string | number | boolean>>;

export interface ReconnectOptions {
  /** First backoff ceiling; each failed attempt doubles it. Default 500. */
  initialDelayMs?: number;
  /** Highest backoff ceiling. Default 30000. */
  maxDelayMs?: number;
  /** 4001 / 4003 closes in a row, with nothing delivered in between, before giving up. Default 5. */
  maxThrottledCloses?: number;
  /** A connection that delivered and stayed open this long resets the backoff. Default 10000. */
  stableAfterMs?: number;
}

export interface HeartbeatOptions {
  /** Silence after which a WebSocket sends a ping command. Default 30000. */
  idleMs?: number;
  /** Further silence after which the link is dropped and reconnected. Default 10000. */
  timeoutMs?: number;
}

export interface StreamingClientOptions {
  /** The gateway's base http(s) URL (a path prefix is kept). Default: the page's origin. */
  url?: string;
  /** A token, or a function returning one (possibly async), called at every connect and to renew. */
  token?: string | (() => string | Promise<string>);
  /** Default "auto": WebSocket, and SSE once the WebSocket failed to open twice in a row. */
  transport?: "auto" | TransportName;
  reconnect?: ReconnectOptions;
  /** false turns the client-side liveness check off. */
  heartbeat?: HeartbeatOptions | false;
  /** A connection not open by then counts as a failed attempt. Default 15000. */
  connectTimeoutMs?: number;
  /** How long before a JWT's exp the client renews it. Default 30000. */
  refreshBeforeExpiryMs?: number;
  /** A WebSocket implementation. Default: globalThis.WebSocket. */
  WebSocket?: new (url: string) => WebSocket;
  /** A fetch implementation (SSE). Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** A Math.random replacement for the jitter (tests). */
  random?: () => number;
}

/** A record as every handler receives it, over either transport. */
export interface StreamMessage<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  /** Where the connection stands after this message (WebSocket `cursor`, SSE event id). */
  cursor: string;
  /** The Kafka record's timestamp, ms since the epoch. */
  timestamp: number;
  /** The record's JSON value. */
  data: T;
}

export interface SnapshotComplete {
  topic: string;
  count: number;
  cursor: string;
}

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Why, e.g. "closed 4001 SLOW_CONSUMER: ...", "HTTP 503 CONNECTION_LIMIT_REACHED", "close() called". */
  reason?: string;
  /** Set while waiting to reconnect: how long until the next attempt. */
  delayMs?: number;
}

export interface SubscribeResult {
  /** The topics the gateway accepted (never empty: a subscribe with none accepted rejects). */
  topics: string[];
  filters: Filters;
  /** One per refused topic, each with details.topic. */
  refused: StreamingError[];
  /** The connection's cursor after the subscribe (WebSocket, and SSE subscriptions carried in the stream URL). */
  cursor?: string;
}

export interface UnsubscribeResult {
  topics: string[];
  refused: StreamingError[];
}

export interface SubscriptionRecord {
  filters: Filters;
  maxRate?: number;
}

export interface StreamingClientEvents {
  state: StateChange;
  data: StreamMessage;
  snapshot: StreamMessage;
  snapshot_complete: SnapshotComplete;
  notice: StreamingError;
  error: StreamingError;
}

export class StreamingError extends Error {
  constructor(code: string, message: string, extra?: { details?: Record<string, unknown>; status?: number; refused?: StreamingError[] });
  /** The gateway's error code (README "Error codes"), a close reason (SLOW_CONSUMER, RATE_LIMITED), or the client's own: CLIENT_CLOSED, CONNECTION_LOST, TOKEN_PROVIDER_FAILED, TRANSPORT_FALLBACK, INVALID_OPTIONS. */
  code: string;
  details: Record<string, unknown>;
  /** The HTTP status, where the refusal came as an HTTP answer (SSE stream request, control calls). */
  status?: number;
  /** On a rejected subscribe or unsubscribe: every refusal, this one first. */
  refused?: StreamingError[];
}

export class StreamingClient {
  constructor(options?: StreamingClientOptions);
  readonly state: ConnectionState;
  /** Where a resume starts: the cursor of the last message delivered (see README "Cursor"). */
  readonly cursor: string | null;
  readonly connectionId: string | null;
  readonly transport: TransportName;
  /** What a reconnect restores: topic -> filters and maxRate, as the gateway acknowledged them. */
  readonly subscriptions: Map<string, SubscriptionRecord>;
  on<E extends keyof StreamingClientEvents>(event: E, handler: (payload: StreamingClientEvents[E]) => void): this;
  off<E extends keyof StreamingClientEvents>(event: E, handler: (payload: StreamingClientEvents[E]) => void): this;
  connect(): Promise<void>;
  /** `resume`: a cursor kept from earlier (a `data` message's); what the topics missed since then comes first. */
  subscribe(topics: string[], filters?: Filters, options?: { maxRate?: number; resume?: string }): Promise<SubscribeResult>;
  unsubscribe(topics: string[]): Promise<UnsubscribeResult>;
  close(): void;
}

// Building blocks, exported for tests and tools; the console needs only the two classes above.
export class Backoff {
  constructor(options?: { initialDelayMs?: number; maxDelayMs?: number }, random?: () => number);
  attempt: number;
  readonly ceilingMs: number;
  next(): number;
  reset(): void;
}
export function parseRetryAfter(value: string | null | undefined, now?: number): number | null;
export function closePolicy(code: number): { action: "retry" | "prompt" | "renew-token" | "throttled"; name: string };
export function statusPolicy(status: number, code?: string): { action: "retry" | "fatal" | "drop-cursor" };
export function jwtExpiryMs(token: unknown): number | null;
export function isNotice(message: { error?: string; details?: Record<string, unknown> }): boolean;
export class SseParser {
  constructor(handlers: {
    onEvent: (event: { type: string; data: string; id: string }) => void;
    onRetry?: (ms: number) => void;
    onComment?: (text: string) => void;
  });
  feed(chunk: string): void;
}
export class CommandQueue {
  push(command: object): Promise<unknown>;
  pushFront(commands: object[]): Promise<unknown>[];
  readonly head: object | null;
  readonly size: number;
  attach(send: (command: object) => void): void;
  detach(): void;
  reject(command: object, error: StreamingError): void;
  failAll(error: StreamingError): void;
  onMessage(message: object): boolean;
}
