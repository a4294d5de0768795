// Prints what the gateway streams: node --experimental-websocket examples/tail.mjs <base-url> <token> <topic>[,topic...] [websocket|sse|auto]
// On Node 20 the global WebSocket needs --experimental-websocket; without it, "auto" uses SSE.
import { StreamingClient } from "../streaming-client.js";

const [url = "http://127.0.0.1:8001", token = "test-token", topics = "pricing.curve.updates.v1", transport = "auto"] = process.argv.slice(2);

const client = new StreamingClient({ url, token, transport, reconnect: { initialDelayMs: 500, maxDelayMs: 5_000 } });
const time = () => new Date().toISOString().slice(11, 23);

client.on("state", ({ state, previous, reason, delayMs }) =>
  console.log(time(), "state", previous, "->", state, reason ?? "", delayMs !== undefined ? `(in ${delayMs} ms)` : ""));
client.on("data", (m) => console.log(time(), "data", m.topic, `p${m.partition}@${m.offset}`, JSON.stringify(m.data).slice(0, 100)));
client.on("snapshot", (m) => console.log(time(), "snapshot", m.topic, `p${m.partition}@${m.offset}`));
client.on("snapshot_complete", (m) => console.log(time(), "snapshot_complete", m.topic, m.count));
client.on("notice", (n) => console.log(time(), "notice", n.code, n.message));
client.on("error", (e) => console.log(time(), "error", e.code, e.message));

process.on("SIGINT", () => { client.close(); process.exit(0); });

client.connect().then(() => console.log(time(), "open over", client.transport, "as", client.connectionId), () => {});
try {
  const ack = await client.subscribe(topics.split(","));
  console.log(time(), "subscribed", JSON.stringify(ack));
} catch (error) {
  console.log(time(), "subscribe refused", error.code, error.message, JSON.stringify(error.details));
}
