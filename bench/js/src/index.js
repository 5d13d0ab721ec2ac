// The benchmarks' floor: a Durable Object written by hand for the benchmark,
// with no framework, that speaks the same frames as the Rust and TypeScript
// BenchAgents (identity, state broadcast, RPC echo/inc/setItems/sqlInsert/
// scheduleMany/ticks) over hibernating WebSockets. Every figure of the
// framework is held against this one. It does the least the work needs:
// its schedules are rows of (due, i) with no callback name or payload JSON,
// and a batch of them is read, run and deleted with one query each.
import { DurableObject } from "cloudflare:workers";

const AGENT = "bench-agent";
const NO_MCP = JSON.stringify({ type: "cf_agent_mcp_servers", mcp: { prompts: [], resources: [], servers: {}, tools: [] } });

export class BenchAgent extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS ticks (i INTEGER NOT NULL, due INTEGER NOT NULL, fired INTEGER NOT NULL)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS schedules (due INTEGER NOT NULL, i INTEGER NOT NULL)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS schedules_due ON schedules (due)");
    const row = this.sql.exec("SELECT k, v FROM meta").toArray();
    const meta = Object.fromEntries(row.map((r) => [r.k, r.v]));
    this.name = meta.name;
    this.state = meta.state ? JSON.parse(meta.state) : { counter: 0, items: [] };
  }

  async fetch(request) {
    const name = request.headers.get("x-bench-name");
    if (this.name !== name) {
      this.name = name;
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('name', ?)", name);
    }
    if (request.headers.get("upgrade") !== "websocket") return new Response("WebSocket only", { status: 426 });
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "cf_agent_identity", name, agent: AGENT, stateFollows: true }));
    server.send(JSON.stringify({ type: "cf_agent_state", state: this.state }));
    server.send(NO_MCP);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, message) {
    let frame;
    try {
      frame = JSON.parse(message);
    } catch {
      return;
    }
    if (frame.type === "cf_agent_state") {
      this.setState(frame.state, ws);
      return;
    }
    if (frame.type !== "rpc") return;
    let reply;
    try {
      const result = await this.call(frame.method, frame.args ?? []);
      reply = { type: "rpc", id: frame.id, success: true, result, done: true };
    } catch (error) {
      reply = { type: "rpc", id: frame.id, success: false, error: String(error.message ?? error) };
    }
    ws.send(JSON.stringify(reply));
  }

  webSocketClose(ws, code) {
    // Answer a close as the Rust agents do (1005, no status, answered with 1000).
    try {
      ws.close(code === 1005 ? 1000 : code);
    } catch {}
  }

  call(method, args) {
    switch (method) {
      case "echo":
        return args[0];
      case "inc": {
        const counter = this.state.counter + args[0];
        this.setState({ ...this.state, counter });
        return counter;
      }
      case "setItems":
        this.setState({ ...this.state, items: args[0] });
        return args[0].length;
      case "sqlInsert": {
        // One statement for every row, as the Rust agent's insert_many does.
        const values = JSON.stringify(Array.from({ length: args[0] }, (_, i) => i));
        this.sql.exec("INSERT INTO bench_rows (v) SELECT value FROM json_each(?)", values);
        return this.sql.exec("SELECT COUNT(*) AS n FROM bench_rows").one().n;
      }
      case "scheduleMany":
        return this.scheduleMany(args[0], args[1]);
      case "ticks":
        return this.sql.exec("SELECT i, due, fired FROM ticks ORDER BY i").toArray();
      default:
        throw new Error(`Method ${method} does not exist`);
    }
  }

  setState(state, except) {
    this.state = state;
    const text = JSON.stringify(state);
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('state', ?)", text);
    const frame = `{"type":"cf_agent_state","state":${text}}`;
    for (const ws of this.ctx.getWebSockets()) {
      if (ws !== except) {
        try {
          ws.send(frame);
        } catch {}
      }
    }
  }

  async scheduleMany(n, delaySeconds) {
    const base = Date.now();
    const due = base + delaySeconds * 1000;
    for (let i = 0; i < n; i++) this.sql.exec("INSERT INTO schedules (due, i) VALUES (?, ?)", due, i);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
    return { scheduled: n, base, due };
  }

  async alarm() {
    const now = Date.now();
    const due = this.sql.exec("SELECT rowid, due, i FROM schedules WHERE due <= ? ORDER BY due", now).toArray();
    for (const task of due) {
      this.sql.exec("INSERT INTO ticks (i, due, fired) VALUES (?, ?, ?)", task.i, task.due, Date.now());
    }
    this.sql.exec("DELETE FROM schedules WHERE due <= ?", now);
    const next = this.sql.exec("SELECT MIN(due) AS due FROM schedules").one().due;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, prefix, agent, name] = url.pathname.split("/");
    if (prefix !== "agents" || agent !== AGENT || !name) return new Response("Not found", { status: 404 });
    let decoded;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      return new Response("Bad agent name", { status: 400 });
    }
    const stub = env.BenchAgent.get(env.BenchAgent.idFromName(decoded));
    const forwarded = new Request(request);
    forwarded.headers.set("x-bench-name", decoded);
    return stub.fetch(forwarded);
  },
};
