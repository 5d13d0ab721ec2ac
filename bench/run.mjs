// Runs every workload against the Rust and the TypeScript benchmark agents and
// the JavaScript floor (bench/js), rotating which goes first each round, and writes bench/RESULTS.md and bench/results/compare.json.
//
//   npm run bench                 (full sizes, 3 rounds)
//   BENCH_ROUNDS=1 BENCH_PROFILE=tiny npm run bench
//   BENCH_ONLY=largeState,fanOut npm run bench   (some workloads → bench/results/partial.md)
//   node bench/run.mjs --render [compare|partial]   (the Markdown again from the raw JSON)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { serverCpu } from "./lib/cpu.mjs";
import { sectionsOf } from "./lib/sections.mjs";
import { startWrangler } from "./lib/server.mjs";
import * as w from "./workloads.mjs";

const root = new URL("..", import.meta.url).pathname;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
export const profiles = {
  full: {
    rpc: { calls: 2000 },
    inc: { clients: 10, callsPerClient: 500 },
    fan: { clients: 50, rounds: 100 },
    fan1000: { clients: 1000, rounds: 20 },
    sql: { rows: 10_000 },
    sched200: { count: 200 },
    sched10k: { count: 10_000 },
    cold: { agents: 10, warmRepeats: 10 },
    state1: { bytes: 1_000_000, updates: 5 },
    state5: { bytes: 5_000_000, updates: 5 },
    state5all: { bytes: 5_000_000, updates: 5, everyItem: true },
  },
  tiny: {
    rpc: { calls: 20 },
    inc: { clients: 2, callsPerClient: 10 },
    fan: { clients: 3, rounds: 2 },
    fan1000: { clients: 10, rounds: 2 },
    sql: { rows: 50 },
    sched200: { count: 5 },
    sched10k: { count: 10 },
    cold: { agents: 1 },
    state1: { bytes: 10_000, updates: 2 },
    state5: { bytes: 20_000, updates: 2 },
    state5all: { bytes: 20_000, updates: 2, everyItem: true },
  },
};
const profile = profiles[process.env.BENCH_PROFILE ?? "full"];

/** [label, workload, size, [figure, better]] — better: "lower" or "higher". */
export const WORKLOADS = [
  ["RPC round trip p50 (ms)", w.rpcRoundTrip, "rpc", "p50Ms", "lower"],
  ["RPC round trip p99 (ms)", w.rpcRoundTrip, "rpc", "p99Ms", "lower"],
  ["RPC calls/s (sequential)", w.rpcRoundTrip, "rpc", "callsPerS", "higher"],
  ["10 clients × 500 pipelined inc: calls/s", w.pipelinedInc, "inc", "callsPerS", "higher"],
  ["10 clients × 500 pipelined inc: lost updates", w.pipelinedInc, "inc", "lost", "lower"],
  ["state fan-out to 50 clients p50 (ms)", w.fanOut, "fan", "p50Ms", "lower"],
  ["state fan-out to 50 clients p99 (ms)", w.fanOut, "fan", "p99Ms", "lower"],
  ["state fan-out to 1,000 clients p50 (ms)", w.fanOut, "fan1000", "p50Ms", "lower"],
  ["state fan-out to 1,000 clients p99 (ms)", w.fanOut, "fan1000", "p99Ms", "lower"],
  ["bulk SQL insert 10,000 rows (ms)", w.sqlInsert, "sql", "ms", "lower"],
  ["200 schedules: fired", w.schedules, "sched200", "fired", "higher"],
  ["200 schedules: fired early", w.schedules, "sched200", "early", "lower"],
  ["200 schedules: lateness p99 (ms)", w.schedules, "sched200", "latenessP99Ms", "lower"],
  ["10,000 schedules: schedule all (ms)", w.schedules, "sched10k", "scheduleMs", "lower"],
  ["10,000 schedules: fired", w.schedules, "sched10k", "fired", "higher"],
  ["10,000 schedules: lateness p50 (ms)", w.schedules, "sched10k", "latenessP50Ms", "lower"],
  ["10,000 schedules: lateness p99 (ms)", w.schedules, "sched10k", "latenessP99Ms", "lower"],
  ["10,000 schedules: lateness max (ms)", w.schedules, "sched10k", "latenessMaxMs", "lower"],
  ["10,000 schedules: fired early", w.schedules, "sched10k", "early", "lower"],
  ["first request, new agent (ms, median of 10 agents)", w.coldVersusWarm, "cold", "coldMs", "lower"],
  ["request, warm agent (ms, median of 100: 10 agents × 10)", w.coldVersusWarm, "cold", "warmMs", "lower"],
  ["1 MB state update → other client (ms, median of 5 updates)", w.largeState, "state1", "ms", "lower"],
  ["5 MB state update → other client (ms, median of 5 updates)", w.largeState, "state5", "ms", "lower"],
  ["5 MB state, every item changed → other client (ms, median of 5 updates)", w.largeState, "state5all", "ms", "lower"],
];

function bundleSize(cwd) {
  const out = execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", `${root}/target/bench-dist-${Math.random().toString(36).slice(2)}`], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const m = out.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
  return m ? { rawKiB: Number(m[1]), gzipKiB: Number(m[2]) } : { error: "no size in wrangler output" };
}

/** What each distinct run is, for the server CPU table. */
const RUNS = {
  "rpcRoundTrip:rpc": "2,000 sequential `echo` calls",
  "pipelinedInc:inc": "10 clients × 500 pipelined `inc`",
  "fanOut:fan": "100 state changes fanned out to 50 clients",
  "fanOut:fan1000": "20 state changes fanned out to 1,000 clients",
  "sqlInsert:sql": "bulk insert of 10,000 rows",
  "schedules:sched200": "200 schedules: schedule, fire, read back",
  "schedules:sched10k": "10,000 schedules: schedule, fire, read back",
  "coldVersusWarm:cold": "10 new agents: a first request and 10 more to each",
  "largeState:state1": "five 1 MB state updates, two clients",
  "largeState:state5": "five 5 MB state updates, two clients",
  "largeState:state5all": "five 5 MB state updates changing every item, two clients",
};

const median = (values) => {
  const numbers = values.filter((v) => typeof v === "number").sort((a, b) => a - b);
  return numbers.length ? numbers[Math.floor((numbers.length - 1) / 2)] : undefined;
};

export async function runAll(servers, { rounds: n = rounds, size = profile } = {}) {
  // One measurement per distinct (workload, size) per server per round.
  const only = process.env.BENCH_ONLY?.split(",");
  const chosen = WORKLOADS.filter(([, fn]) => !only || only.includes(fn.name));
  const distinct = [...new Map(chosen.map(([, fn, key]) => [`${fn.name}:${key}`, [fn, key]])).values()];
  const samples = {};
  const sides = Object.keys(servers);
  const meters = Object.fromEntries(sides.map((side) => [side, serverCpu(servers[side])]));
  for (let round = 0; round < n; round++) {
    for (const [fn, key] of distinct) {
      // Each round starts with the next side, so that no side is always first.
      const order = sides.map((_, i) => sides[(i + round) % sides.length]);
      for (const side of order) {
        let result;
        try {
          const run = () => fn(servers[side], size[key] ?? {});
          result = await (meters[side] ? meters[side].measure(run) : run());
        } catch (error) {
          result = { error: String(error.message).slice(0, 80) };
        }
        (samples[`${fn.name}:${key}`] ??= Object.fromEntries(sides.map((s) => [s, []])))[side].push(result);
      }
    }
  }
  const pickFrom = (s, figure) => (side) => {
    const values = s[side].map((r) => r[figure]);
    const errors = s[side].filter((r) => r.error).map((r) => r.error);
    const finite = values.filter(Number.isFinite);
    return { median: median(values), min: finite.length ? Math.min(...finite) : undefined, max: finite.length ? Math.max(...finite) : undefined, errors };
  };
  const cpu = distinct.map(([fn, key]) => {
    const pick = pickFrom(samples[`${fn.name}:${key}`], "serverCpuMs");
    const label = RUNS[`${fn.name}:${key}`] ?? `${fn.name} ${key}`;
    return { label, figure: "serverCpuMs", better: "lower", ...Object.fromEntries(sides.map((s) => [s, pick(s)])) };
  });
  const rows = chosen.map(([label, fn, key, figure, better]) => {
    const pick = pickFrom(samples[`${fn.name}:${key}`], figure);
    return { label, figure, better, ...Object.fromEntries(sides.map((s) => [s, pick(s)])) };
  });
  return { rows, cpu };
}

/** Rust against `other` ("ts" or "floor"): above 1 means Rust is better. */
function ratio(row, other = "ts", name = "TS") {
  const { rust, better } = row;
  const them = row[other];
  if (!them || !rust) return "–";
  if (row.figure.startsWith("lateness") && (them.median < 0 || rust.median < 0)) {
    return `${them.median < 0 ? `${name} fires early` : ""}${rust.median < 0 ? " Rust fires early" : ""}`.trim();
  }
  if (rust.median === undefined || them.median === undefined || rust.median === 0 || them.median === 0) return "–";
  const r = better === "lower" ? them.median / rust.median : rust.median / them.median;
  return `${r.toFixed(2)}× ${r >= 1 ? "(Rust better)" : `(${name} better)`}`;
}

const size = (bundle) => (bundle ? `${bundle.rawKiB} / ${bundle.gzipKiB}` : "–");

/** A cell: median (min–max), and how many rounds gave a value when some failed (their first error is in the JSON). */
const cell = (side, rounds) => {
  if (!side) return "–";
  if (side.median === undefined) return `error: ${side.errors[0] ?? "no value"}`;
  const failed = side.errors?.length ?? 0;
  return `${side.median} (${side.min}–${side.max})${failed ? `, ${rounds - failed} of ${rounds} rounds` : ""}`;
};

async function main() {
  const before = loadavg().map((l) => l.toFixed(2));
  // BENCH_SIDES=rust,floor measures some of the servers (with BENCH_ONLY: a partial run).
  const sides = (process.env.BENCH_SIDES ?? "rust,ts,floor").split(",");
  const dirs = { rust: "rust", ts: "ts", floor: "js" };
  const unknown = sides.filter((side) => !dirs[side]);
  if (unknown.length) throw new Error(`BENCH_SIDES: unknown ${unknown.join(", ")} (rust, ts, floor)`);
  const ports = { rust: process.env.BENCH_RUST_PORT ?? 8892, ts: process.env.BENCH_TS_PORT ?? 8893, floor: process.env.BENCH_FLOOR_PORT ?? 8894 };
  const started = {};
  let rows, cpu;
  try {
    // BENCH_DIR_RUST=/path/to/another/build (and _TS, _FLOOR) measures another build in that column: an A/B of a change.
    const dirOf = (side) => process.env[`BENCH_DIR_${side.toUpperCase()}`] ?? `${root}/bench/${dirs[side]}`;
    for (const side of sides) started[side] = await startWrangler({ cwd: dirOf(side), port: Number(ports[side]) });
    ({ rows, cpu } = await runAll(Object.fromEntries(sides.map((side) => [side, started[side].url]))));
  } finally {
    for (const server of Object.values(started)) server.stop();
  }
  const bundles = Object.fromEntries(
    sides.filter((side) => !process.env[`BENCH_DIR_${side.toUpperCase()}`]).map((side) => [side, bundleSize(`${root}/bench/${dirs[side]}`)]),
  );
  const after = loadavg().map((l) => l.toFixed(2));
  const machine = `${cpus().length} × ${cpus()[0]?.model}; load average before ${before.join(" ")}, after ${after.join(" ")}`;
  mkdirSync(`${root}/bench/results`, { recursive: true });
  // A subset (BENCH_ONLY) never overwrites the full results.
  // A subset, or another build in a column, never overwrites the full results.
  const another = Object.keys(process.env).some((name) => name.startsWith("BENCH_DIR_"));
  const stem = process.env.BENCH_ONLY || process.env.BENCH_SIDES || another ? "partial" : "compare";
  const results = { date: new Date().toISOString(), machine, rounds, rows, cpu, bundles };
  writeFileSync(`${root}/bench/results/${stem}.json`, JSON.stringify(results, null, 2));
  render(results, stem);
}

/** Writes the Markdown table of `results` (bench/RESULTS.md, or results/partial.md for a subset). */
function render({ date, machine, rounds, rows, cpu, bundles }, stem) {
  const lines = [
    "# Rust agents vs the TypeScript Agents SDK, side by side",
    "",
    "The servers run under `wrangler dev` on loopback, each in its own workerd, with `X_LOCAL_OBSERVABILITY=false`;",
    `each round starts with the next server in turn, over ${rounds} rounds; cells are median (min–max). Produced by \`npm run bench\``,
    `(${date}). Machine: ${machine}.`,
    "",
    "| workload | TypeScript (`agents`) | Rust (`workers-agents`) | JS floor (no framework) | Rust vs TS | Rust vs floor |",
    "|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.label} | ${cell(row.ts, rounds)} | ${cell(row.rust, rounds)} | ${cell(row.floor, rounds)} | ${ratio(row)} | ${ratio(row, "floor", "floor")} |`),
    `| bundle, \`wrangler deploy --dry-run\` (KiB raw / gzip) | ${size(bundles.ts)} | ${size(bundles.rust)} | ${size(bundles.floor)} | ${bundles.ts && bundles.rust ? `${(bundles.ts.gzipKiB / bundles.rust.gzipKiB).toFixed(2)}× gzip` : "–"} | – |`,
    "",
    "Each worker holds just the benchmark agent: bench/rust (`bench/rust/agent/src/bench.rs`), bench/ts, and the floor",
    "bench/js (`bench/js/src/index.js`: a Durable Object written by hand for the benchmark, with no framework, speaking",
    "the same frames; the figure the framework is held against). The floor does the least each workload needs: its",
    "schedules are bare (due, i) rows (no callback name or payload JSON), and its bulk insert is one statement, as",
    "the Rust agent's `insert_many` (the TS agent inserts row by row, as TS SDK code usually does).",
    "Lateness = fired − due; a negative value means the task ran before its due time.",
    "",
    "Notes on the workloads:",
    "- Large state: each update sends the whole `items` array again. In the plain rows only the first item differs",
    "  from the last update; the Rust agent then rewrites only the 256 KiB state row that changed (the TS SDK",
    "  rewrites the whole state). The \"every item changed\" row changes every row, so both rewrite everything.",
    "  There the Rust agent still does two things the TS SDK does not: it writes the changed rows beside the",
    "  stored ones and commits them with one small row (all or nothing, without a transaction's journal), and",
    "  it decodes the 5 MB message and encodes the state in wasm rather than with V8's native JSON. The TS SDK",
    "  keeps the state in one row, which on Cloudflare cannot exceed 2 MB: this workload runs for it only locally.",
    "- Requests to a warm agent keep their connections open until the agent's last sample. Closing costs the",
    "  server a close handshake (the Rust agents answer a close without a status code with 1000; the TS SDK",
    "  leaves it unanswered, and the client gives up after its own timeout), which would otherwise land inside",
    "  the next sample. Its wall figure has come out within 5% either way from run to run (both spreads overlap;",
    "  a separate A/B of 225 samples per server measured 1.03× for Rust), while the server's CPU for the same",
    "  connects is lower in Rust (the CPU table's \"new agents\" row).",
    "",
    ...(cpu.some((row) => row.rust?.median !== undefined)
      ? [
          "## Server CPU per run",
          "",
          "The wall-clock figures above include the driver (one Node process for all clients: it stringifies and parses",
          "every frame) and `wrangler dev`'s proxy (a second workerd that forwards every frame). This table is the",
          "server's own cost: CPU time of the `workerd` process running each worker (not the proxy) during one run of the",
          "workload (all threads, from `/proc/<pid>/task/*/schedstat`), median (min–max) over the rounds.",
          "",
          "| run | TypeScript (`agents`), ms | Rust (`workers-agents`), ms | JS floor, ms | Rust vs TS | Rust vs floor |",
          "|---|---|---|---|---|---|",
          ...cpu.map((row) => `| ${row.label} | ${cell(row.ts, rounds)} | ${cell(row.rust, rounds)} | ${cell(row.floor, rounds)} | ${ratio(row)} | ${ratio(row, "floor", "floor")} |`),
          "",
        ]
      : []),
  ];
  const path = stem === "partial" ? `${root}/bench/results/partial.md` : `${root}/bench/RESULTS.md`;
  // The load and chat sections (bench/load.mjs, bench/chat.mjs) are runs of their own: kept as they are.
  if (stem !== "partial" && existsSync(path)) for (const kept of sectionsOf(readFileSync(path, "utf8"), ["load", "chat"])) lines.push(kept, "");
  writeFileSync(path, lines.join("\n"));
  console.log(lines.join("\n"));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "--render") {
    // Re-renders the Markdown from the last raw results, without measuring again.
    const stem = process.argv[3] ?? "compare";
    render(JSON.parse(readFileSync(`${root}/bench/results/${stem}.json`, "utf8")), stem);
  } else {
    await main();
  }
}
