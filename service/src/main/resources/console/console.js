// The web console: polls GET /admin/overview once a second for the overview and topics pages, and
// watches a topic through the JavaScript client for the live tail. Read-only: it changes nothing.
import uPlot from "./uplot/uPlot.esm.js";

// relative addresses: a proxy may serve the gateway under a path prefix
const OVERVIEW = "../admin/overview";
const GATEWAY = new URL("../", location.href).href;
const TOKEN_KEY = "streaming-console-token";
const POLL_MS = 1000;
const STALE_MS = 5000;        // figures older than this are marked as such
const HISTORY = 180;          // points kept per chart: three minutes at one a second
const TAIL_ROWS = 500;        // rows kept in the live tail
const COLORS = ["#0b6bcb", "#d9480f", "#2b8a3e", "#862e9c", "#e8590c", "#1098ad", "#c2255c", "#5c940d", "#364fc7", "#a61e4d"];
// the local test user (README): in local mode the tail watches as it when no token was given
const LOCAL_TOKEN = "test-token";

const $ = (id) => document.getElementById(id);

// ---- access ---------------------------------------------------------------------------------------

const access = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  remember(token) { sessionStorage.setItem(TOKEN_KEY, token); },
  forget() { sessionStorage.removeItem(TOKEN_KEY); },
  headers() {
    const token = access.token();
    return token ? { Authorization: `Bearer ${token}` } : {};
  },
};

function askForToken(problem) {
  $("sign-in").hidden = false;
  document.querySelector("main").hidden = true;
  $("sign-in-problem").textContent = problem ?? "";
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  access.remember($("token").value.trim());
  $("token").value = "";
  $("sign-in").hidden = true;
  document.querySelector("main").hidden = false;
  startPolling();
});

$("sign-out").addEventListener("click", () => {
  access.forget();
  stopTail();
  stopPolling();
  askForToken("Token forgotten.");
});

// ---- pages ----------------------------------------------------------------------------------------

function showPage() {
  const page = (location.hash || "#overview").slice(1);
  for (const section of document.querySelectorAll(".page")) section.hidden = section.id !== page;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  // uPlot measures its container: a chart made while hidden is resized when it shows
  charts.resize();
}

window.addEventListener("hashchange", showPage);

// ---- charts ---------------------------------------------------------------------------------------

/** A time chart whose series may come and go (partitions, reasons): it is made again when they change. */
class TimeChart {
  constructor(element, { unit = "", names = [] } = {}) {
    this.element = element;
    this.unit = unit;
    this.times = [];
    this.values = new Map(names.map((name) => [name, []]));
    this.plot = null;
  }

  /** Adds one point per series at `time` (seconds); a series first seen now has a gap (null) before it. */
  push(time, point) {
    for (const name of Object.keys(point)) {
      if (!this.values.has(name)) this.values.set(name, this.times.map(() => null));
    }
    this.times.push(time);
    for (const [name, values] of this.values) values.push(point[name] ?? null);
    if (this.times.length > HISTORY) {
      this.times.shift();
      for (const values of this.values.values()) values.shift();
    }
    this.draw();
  }

  draw() {
    const names = [...this.values.keys()];
    const data = [this.times, ...names.map((name) => this.values.get(name))];
    if (this.plot === null || this.plot.series.length !== names.length + 1) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(names), data, this.element);
    } else {
      this.plot.setData(data);
    }
    // what a reader (or a test) can check without reading pixels
    this.element.dataset.points = String(this.times.length);
    this.element.dataset.last = JSON.stringify(Object.fromEntries(names.map((name) => [name, this.values.get(name).at(-1)])));
  }

  options(names) {
    return {
      width: Math.max(320, this.element.clientWidth || 560),
      height: 220,
      legend: { live: false },
      scales: { y: { range: (_, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { label: this.unit, size: 60 }],
      series: [{}, ...names.map((name, i) => ({ label: name, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false } }))],
    };
  }

  resize() {
    if (this.plot && this.element.clientWidth > 0) this.plot.setSize({ width: this.element.clientWidth, height: 220 });
  }
}

const charts = {
  connections: new TimeChart($("chart-connections"), { unit: "connections", names: ["WebSocket", "SSE", "HTTP, not streams"] }),
  delivered: new TimeChart($("chart-delivered"), { unit: "messages/s", names: ["WebSocket", "SSE"] }),
  latency: new TimeChart($("chart-latency"), { unit: "ms", names: ["p50", "p99"] }),
  lag: new TimeChart($("chart-lag"), { unit: "records" }),
  refusals: new TimeChart($("chart-refusals"), { unit: "per second" }),
  resize() { for (const chart of [this.connections, this.delivered, this.latency, this.lag, this.refusals]) chart.resize(); },
};

// ---- the overview, polled -------------------------------------------------------------------------

let previous = null;   // the last overview, to turn totals into rates
let polling = null;
let pollGeneration = 0; // a loop of an older generation (before a sign-in or sign-out) stops at its next step
let lastUpdate = 0;

function startPolling() {
  stopPolling();
  poll(pollGeneration);
}

function stopPolling() {
  pollGeneration += 1;
  clearTimeout(polling);
}

/** One poll; whatever happens (a failed request, a body cut short, a chart that throws) the next is scheduled. */
async function poll(generation) {
  let delay = POLL_MS;
  try {
    const response = await fetch(OVERVIEW, { headers: access.headers(), cache: "no-store" });
    if (generation !== pollGeneration) return;
    if (response.status === 401 || response.status === 403) {
      const problem = await response.json().catch(() => ({}));
      stopPolling();
      askForToken(problem.message ?? `The gateway answered ${response.status}.`);
      return;
    }
    if (!response.ok) {
      $("status").textContent = `The overview answered ${response.status}; trying again.`;
      delay = POLL_MS * 3;
      return;
    }
    const overview = await response.json();
    if (generation !== pollGeneration) return;
    $("sign-out").hidden = access.token() === null;
    show(overview);
    previous = overview;
    lastUpdate = Date.now();
  } catch (failure) {
    $("status").textContent = `No figures: ${failure.message}; trying again.`;
    delay = POLL_MS * 3;
  } finally {
    if (generation === pollGeneration) polling = setTimeout(() => poll(generation), delay);
  }
}

// figures that stopped coming must not pass for live ones
setInterval(() => {
  const age = Date.now() - lastUpdate;
  document.body.classList.toggle("stale", lastUpdate > 0 && age > STALE_MS);
  if (lastUpdate > 0 && age > STALE_MS) {
    $("status").textContent = `Stale: the last figures are from ${new Date(lastUpdate).toLocaleTimeString("en-GB")}; trying again.`;
  }
}, POLL_MS);

function show(overview) {
  const time = overview.time / 1000;
  const c = overview.connections;
  const rate = overview.messages_per_second;
  const latency = overview.delivery_latency_ms;
  const lagTotal = overview.kafka.partitions.reduce((sum, p) => sum + p.lag, 0);

  $("instance").textContent = `${overview.local_mode ? "local mode · " : ""}version ${overview.version} · up ${duration(overview.uptime_seconds)}`
    + (overview.kafka.reachable ? "" : " · Kafka unreachable");
  $("card-connections").textContent = number(c.websocket + c.sse);
  $("card-rate").textContent = number(rate.websocket + rate.sse);
  $("card-p99").textContent = latency.p99 === null ? "–" : `${number(latency.p99)} ms`;
  $("card-lag").textContent = number(lagTotal);
  $("status").textContent = `Updated ${new Date(overview.time).toLocaleTimeString("en-GB")}`;

  charts.connections.push(time, { WebSocket: c.websocket, SSE: c.sse, "HTTP, not streams": c.pending });
  charts.delivered.push(time, { WebSocket: rate.websocket, SSE: rate.sse });
  charts.latency.push(time, { p50: latency.p50, p99: latency.p99 });
  charts.lag.push(time, Object.fromEntries(overview.kafka.partitions.map((p) => [`${p.topic}/${p.partition}`, p.lag])));
  charts.refusals.push(time, reasonRates(overview));
  showTopics(overview);
  offerTopics(overview.topics);
  localMode = overview.local_mode;
}

/** Refusals and disconnects per second since the last poll, one series per reason that occurred. */
function reasonRates(overview) {
  const rates = {};
  if (previous === null) return rates;
  const seconds = Math.max(0.001, (overview.time - previous.time) / 1000);
  const add = (prefix, now, before) => {
    for (const [reason, total] of Object.entries(now)) {
      const change = total - (before[reason] ?? 0);
      if (change > 0 || charts.refusals.values.has(`${prefix} ${reason}`)) rates[`${prefix} ${reason}`] = change / seconds;
    }
  };
  add("refused", overview.refusals.connections, previous.refusals.connections);
  add("denied", overview.refusals.subscriptions, previous.refusals.subscriptions);
  add("closed", overview.disconnects, previous.disconnects);
  return rates;
}

function showTopics(overview) {
  const partitions = new Map();
  for (const p of overview.kafka.partitions) partitions.set(p.topic, (partitions.get(p.topic) ?? 0) + 1);
  const rows = overview.topics.map((topic) => row([
    topic.name,
    topic.mode,
    topic.required_roles.length ? topic.required_roles.join(", ") : "any user",
    topic.tenant_scoped ? `per tenant (${topic.tenant_source.kind} ${topic.tenant_source.name})` : "shared",
    topic.key_field ?? "–",
    topic.default ? "yes" : "",
    topic.in_kafka ? "yes" : "not yet",
    number(topic.subscribers),
    number(topic.messages_per_second),
    number(partitions.get(topic.name) ?? 0),
  ], [7, 8, 9]));
  $("topics-rows").replaceChildren(...rows);
}

function row(cells, numeric = []) {
  const tr = document.createElement("tr");
  cells.forEach((text, i) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric.includes(i)) td.className = "number";
    tr.append(td);
  });
  return tr;
}

// ---- live tail ------------------------------------------------------------------------------------

let localMode = false;
let tail = null;        // { client, topic, filters, cursor }
let tailGeneration = 0; // a watch started before the latest Watch, Pause or Clear is abandoned

function offerTopics(topics) {
  const select = $("tail-topic");
  const names = topics.map((t) => t.name);
  if (select.options.length === names.length && [...select.options].every((o, i) => o.value === names[i])) return;
  const chosen = select.value;
  select.replaceChildren(...names.map((name) => new Option(name, name)));
  if (names.includes(chosen)) select.value = chosen;
}

function streamToken() {
  return access.token() ?? (localMode ? LOCAL_TOKEN : null);
}

$("tail-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  let filters;
  try {
    filters = JSON.parse($("tail-filters").value || "{}");
  } catch (failure) {
    tailState(`The filters are not JSON: ${failure.message}. Write an object such as {"commodity": "oil"}.`, true);
    return;
  }
  stopTail();
  $("tail-rows").replaceChildren();
  await watch($("tail-topic").value, filters, null);
});

$("tail-pause").addEventListener("click", async () => {
  if (tail === null) return;
  if (tail.client !== null) {
    tail.cursor = tail.client.cursor ?? tail.cursor;
    tail.client.close();
    tail.client = null;
    $("tail-pause").textContent = "Resume";
    tailState(`Paused on ${tail.topic}; resuming continues from where it stopped, nothing missed.`);
  } else {
    const { topic, filters, cursor } = tail;
    await watch(topic, filters, cursor);
  }
});

$("tail-clear").addEventListener("click", () => {
  $("tail-rows").replaceChildren();
  $("tail-detail").textContent = "Select a message to see it whole.";
});

async function watch(topic, filters, cursor) {
  const generation = ++tailGeneration;
  // loaded on first use: the overview works even where the client could not load
  const { StreamingClient } = await import("./streaming-client.js");
  if (generation !== tailGeneration) return;   // another Watch came meanwhile: it wins
  const client = new StreamingClient({ url: GATEWAY, token: streamToken, transport: $("tail-transport").value });
  tail = { client, topic, filters, cursor };
  client.on("state", ({ state, reason }) => tailState(state === "open" ? `Watching ${topic} over ${client.transport}.`
    : `${state} ${topic}${reason ? ` (${reason})` : ""}`));
  client.on("data", (message) => { if (message.topic === topic) addTailRow(message); });
  client.on("snapshot", (message) => { if (message.topic === topic) addTailRow(message); });
  client.on("notice", (notice) => tailState(`${notice.code ?? notice.error}: ${notice.message}`, true));
  client.on("error", (error) => tailState(`${error.code ?? "ERROR"}: ${error.message}`, true));
  $("tail-pause").disabled = false;
  $("tail-pause").textContent = "Pause";
  client.connect().catch(() => {});   // giving up is reported by the error event
  try {
    await client.subscribe([topic], filters, cursor ? { resume: cursor } : {});
    tailState(`Watching ${topic}${Object.keys(filters).length ? ` where ${JSON.stringify(filters)}` : ""} over ${client.transport}.`);
  } catch (refusal) {
    tailState(`${refusal.code ?? "REFUSED"}: ${refusal.message}`, true);
  }
}

function stopTail() {
  tailGeneration += 1;
  tail?.client?.close();
  tail = null;
}

function addTailRow(message) {
  const tr = row([
    new Date(message.timestamp).toLocaleTimeString("en-GB"),
    String(message.partition),
    String(message.offset),
    JSON.stringify(message.data),
  ], [1, 2]);
  tr.lastChild.className = "value";
  tr.dataset.offset = String(message.offset);
  tr.addEventListener("click", () => {
    for (const other of $("tail-rows").children) other.removeAttribute("aria-selected");
    tr.setAttribute("aria-selected", "true");
    $("tail-detail").textContent = JSON.stringify(message, null, 2);
  });
  const rows = $("tail-rows");
  rows.prepend(tr);
  while (rows.children.length > TAIL_ROWS) rows.lastChild.remove();
}

function tailState(text, problem = false) {
  $("tail-state").textContent = text;
  $("tail-state").classList.toggle("problem", problem);
}

// ---- formatting -----------------------------------------------------------------------------------

function number(value) {
  return Number(value).toLocaleString("en", { maximumFractionDigits: 1 });
}

function duration(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

showPage();
startPolling();
