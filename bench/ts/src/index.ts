// The reference benchmark agent, written with the npm `agents` package (the
// TypeScript Agents SDK). Same interface as the Rust `BenchAgent` in bench/rust/agent/src/bench.rs.
import { Agent, callable, routeAgentRequest } from "agents";

type BenchState = { counter: number; items: unknown[] };
type Tick = { i: number; due: number; fired: number };

export class BenchAgent extends Agent<Env, BenchState> {
  initialState: BenchState = { counter: 0, items: [] };

  onStart() {
    this.sql`CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`;
    this.sql`CREATE TABLE IF NOT EXISTS ticks (i INTEGER NOT NULL, due INTEGER NOT NULL, fired INTEGER NOT NULL)`;
  }

  @callable()
  echo(x: unknown) {
    return x;
  }

  @callable()
  inc(n: number) {
    const counter = this.state.counter + n;
    this.setState({ ...this.state, counter });
    return counter;
  }

  @callable()
  setItems(items: unknown[]) {
    this.setState({ ...this.state, items });
    return items.length;
  }

  @callable()
  sqlInsert(count: number) {
    for (let i = 0; i < count; i++) {
      this.sql`INSERT INTO bench_rows (v) VALUES (${i})`;
    }
    return this.sql<{ n: number }>`SELECT COUNT(*) AS n FROM bench_rows`[0].n;
  }

  @callable()
  async scheduleMany(n: number, delaySeconds: number) {
    const base = Date.now();
    const due = base + delaySeconds * 1000;
    for (let i = 0; i < n; i++) {
      await this.schedule(delaySeconds, "onTick", { i, due });
    }
    return { scheduled: n, base, due };
  }

  async onTick(payload: { i: number; due: number }) {
    this.sql`INSERT INTO ticks (i, due, fired) VALUES (${payload.i}, ${payload.due}, ${Date.now()})`;
  }

  @callable()
  ticks(): Tick[] {
    return this.sql<Tick>`SELECT i, due, fired FROM ticks ORDER BY i`;
  }
}

export default {
  async fetch(request: Request, env: Env) {
    return (await routeAgentRequest(request, env)) ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;

interface Env {
  BenchAgent: DurableObjectNamespace<BenchAgent>;
}
