// Load benchmark: many official `AgentClient`s (agents/client) on ONE agent instance, each making its
// state-changing `inc(1)` calls one after another (the next when the last answered). Checks that no
// update is lost (the final counter, and every `inc` answered with a different count) and that every
// client saw the final state; records each call's latency. Rust (bench/rust) and TypeScript (bench/ts)
// benchmark agents and the JavaScript floor (bench/js), rounds rotating which goes first. Writes bench/results/load.json and the load section of
// bench/RESULTS.md.
//
//   npm run bench:load                                  (200 clients × 100 calls, 3 rounds)
//   BENCH_LOAD_CLIENTS=20 BENCH_LOAD_CALLS=10 BENCH_ROUNDS=1 npm run bench:load
//   node bench/load.mjs --render                        (the section again from bench/results/load.json)
// Needs Node 22's global WebSocket: npm run puts the project's Node first on PATH.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { AgentClient } from "agents/client";
import { serverCpu } from "./lib/cpu.mjs";
import { percentile } from "./lib/rpc.mjs";
import { section, withSection } from "./lib/sections.mjs";
import { startWrangler } from "./lib/server.mjs";

const root = new URL("..", import.meta.url).pathname;
const round = (x, digits = 2) => Number(x.toFixed(digits));

/**
 * `clients` AgentClients on one new instance of `agent` (default the benchmark agent), `callsPerClient`
 * sequential `inc(1)` each, all clients at once. Returns correctness figures (`lost`, `duplicates`,
 * `sawFinal`, `errors`) and latency ones.
 */
export async function concurrentIncrements(baseUrl, { clients, callsPerClient, agent = "BenchAgent", settleMs = 30_000 }) {
  if (typeof WebSocket === "undefined") throw new Error("no global WebSocket: run with Node 22 (npm run bench:load)");
  const host = new URL(baseUrl).host;
  const name = `load-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const expected = clients * callsPerClient;
  const last = new Array(clients).fill(undefined);
  let everyoneSawFinal;
  const allFinal = new Promise((resolve) => (everyoneSawFinal = resolve));
  const onState = (i) => (state) => {
    last[i] = state.counter;
    if (state.counter === expected && last.every((c) => c === expected)) everyoneSawFinal();
  };
  const open = Array.from({ length: clients }, (_, i) => new AgentClient({ host, agent, name, onStateUpdate: onState(i) }));
  try {
    await Promise.all(open.map((c) => c.ready));
    const latencies = [];
    const answers = [];
    let errors = 0;
    const started = performance.now();
    await Promise.all(
      open.map(async (c) => {
        for (let i = 0; i < callsPerClient; i++) {
          const t = performance.now();
          try {
            answers.push(await c.call("inc", [1]));
            latencies.push(performance.now() - t);
          } catch {
            errors++;
          }
        }
      }),
    );
    const wallMs = performance.now() - started;
    let timer;
    await Promise.race([allFinal, new Promise((resolve) => (timer = setTimeout(resolve, settleMs)))]);
    clearTimeout(timer);
    const settledMs = performance.now() - started;
    const final = await open[0].call("inc", [0]);
    return {
      final,
      lost: expected - final,
      duplicates: answers.length - new Set(answers).size,
      errors,
      sawFinal: last.filter((c) => c === expected).length,
      callsPerS: Math.round((expected / wallMs) * 1000),
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      wallMs: Math.round(wallMs),
      allSawFinalMs: Math.round(settledMs),
    };
  } finally {
    for (const c of open) c.close();
  }
}

const FIGURES = [
  ["final counter", "final"],
  ["lost updates", "lost"],
  ["calls answered with a count another call got", "duplicates"],
  ["failed calls", "errors"],
  ["clients that saw the final state", "sawFinal"],
  ["calls/s", "callsPerS"],
  ["latency p50 (ms)", "p50Ms"],
  ["latency p95 (ms)", "p95Ms"],
  ["latency p99 (ms)", "p99Ms"],
  ["latency max (ms)", "maxMs"],
  ["all calls answered (ms)", "wallMs"],
  ["every client has the final state (ms)", "allSawFinalMs"],
  ["server CPU, workerd of the worker (ms)", "serverCpuMs"],
];

const median = (values) => {
  const numbers = values.filter((v) => typeof v === "number").sort((a, b) => a - b);
  return numbers.length ? numbers[Math.floor((numbers.length - 1) / 2)] : undefined;
};
const cell = (runs, key) => {
  const values = runs.map((r) => r[key]).filter((v) => typeof v === "number");
  if (!values.length) return runs.find((r) => r.error)?.error ?? "–";
  return values.length === 1 ? `${values[0]}` : `${median(values)} (${Math.min(...values)}–${Math.max(...values)})`;
};

/** The Markdown section of bench/RESULTS.md for `results` (bench/results/load.json). */
export function loadSection({ date, machine, rounds, clients, callsPerClient, runs }) {
  return section("load", [
    "## Load: many clients on one agent",
    "",
    `${clients} official \`AgentClient\`s (\`agents/client\`, one Node process) connected to ONE instance of the`,
    `benchmark agent, each making ${callsPerClient} \`inc(1)\` calls one after another (${clients * callsPerClient} state changes in`,
    `all; each one is broadcast to every client, ${clients * clients * callsPerClient} state frames). Latency: from \`call()\` to its`,
    `answer, every call. ${rounds} round(s), each starting with the next server; cells are median (min–max). Produced by`,
    `\`npm run bench:load\` (${date}). Machine: ${machine}.`,
    "",
    "| figure | TypeScript (`agents`) | Rust (`workers-agents`) | JS floor (no framework) |",
    "|---|---|---|---|",
    ...FIGURES.map(([label, key]) => `| ${label} | ${cell(runs.ts, key)} | ${cell(runs.rust, key)} | ${runs.floor ? cell(runs.floor, key) : "–"} |`),
    "",
    "A call waits behind the calls of the other clients and their broadcasts, so its latency is about",
    "clients ÷ calls/s. Every state frame passes through the worker, `wrangler dev`'s proxy (a second workerd)",
    "and the one Node process of the clients, so the wall figures are that whole chain's; the worker's own",
    "CPU is the last row.",
  ]);
}

async function main() {
  const clients = Number(process.env.BENCH_LOAD_CLIENTS ?? 200);
  const callsPerClient = Number(process.env.BENCH_LOAD_CALLS ?? 100);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const rustPort = Number(process.env.BENCH_RUST_PORT ?? 9330);
  const tsPort = Number(process.env.BENCH_TS_PORT ?? 9331);
  const before = loadavg().map((l) => l.toFixed(2));
  const rust = await startWrangler({ cwd: `${root}/bench/rust`, port: rustPort, inspectorPort: rustPort + 50 });
  const ts = await startWrangler({ cwd: `${root}/bench/ts`, port: tsPort, inspectorPort: tsPort + 50 });
  const floorPort = Number(process.env.BENCH_FLOOR_PORT ?? 9332);
  const floor = await startWrangler({ cwd: `${root}/bench/js`, port: floorPort, inspectorPort: floorPort + 50 });
  const servers = { rust: rust.url, ts: ts.url, floor: floor.url };
  const sides = Object.keys(servers);
  const meters = Object.fromEntries(sides.map((side) => [side, serverCpu(servers[side])]));
  const runs = Object.fromEntries(sides.map((side) => [side, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const side of sides.map((_, i) => sides[(i + r) % sides.length])) {
        const run = () => concurrentIncrements(servers[side], { clients, callsPerClient });
        let result;
        try {
          result = await (meters[side] ? meters[side].measure(run) : run());
        } catch (error) {
          result = { error: String(error.message).slice(0, 80) };
        }
        console.log(side, JSON.stringify(result));
        runs[side].push(result);
      }
    }
  } finally {
    rust.stop();
    ts.stop();
    floor.stop();
  }
  const after = loadavg().map((l) => l.toFixed(2));
  const machine = `${cpus().length} × ${cpus()[0]?.model}; load average before ${before.join(" ")}, after ${after.join(" ")}`;
  const results = { date: new Date().toISOString(), machine, rounds, clients, callsPerClient, runs };
  mkdirSync(`${root}/bench/results`, { recursive: true });
  writeFileSync(`${root}/bench/results/load.json`, JSON.stringify(results, null, 2));
  const text = loadSection(results);
  const path = `${root}/bench/RESULTS.md`;
  writeFileSync(path, withSection(readFileSync(path, "utf8"), "load", text));
  console.log(text);
  const bad = Object.values(runs).flat().filter((r) => r.error || r.lost || r.duplicates || r.errors || r.sawFinal !== clients);
  if (bad.length) {
    console.error(`${bad.length} run(s) lost updates, failed calls or left a client without the final state`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "--render") {
    // The section again from the last raw results, without measuring.
    const path = `${root}/bench/RESULTS.md`;
    const text = loadSection(JSON.parse(readFileSync(`${root}/bench/results/load.json`, "utf8")));
    writeFileSync(path, withSection(readFileSync(path, "utf8"), "load", text));
  } else {
    await main();
  }
}
