// Scheduling benchmark: schedule N tasks due at the same instant through the
// Jobs fixture agent (tests/fixture), then measure how fast they are stored and fired, and how
// late each fires. Writes bench/results/schedule.json and bench/SCHEDULE.md.
//
//   npm run bench:schedule            (N = 200, 1000 and 10000)
//   BENCH_COUNTS=50 node bench/schedule.mjs
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { connectAgent, percentile } from "./lib/rpc.mjs";
import { startWrangler } from "./lib/server.mjs";

const counts = (process.env.BENCH_COUNTS ?? "200,1000,10000").split(",").map(Number);
const port = Number(process.env.BENCH_PORT ?? 8891);
const root = new URL("..", import.meta.url).pathname;

export async function measure(baseUrl, count) {
  const agent = await connectAgent(baseUrl, "jobs", `bench-${count}-${Date.now()}`);
  try {
    const delayMs = 1_000 + count; // room to store them all before they are due
    const started = performance.now();
    const { due } = await agent.call("scheduleMany", count, delayMs);
    const scheduleMs = performance.now() - started;
    const deadline = Date.now() + delayMs + 120_000;
    while ((await agent.call("runCount")) < count) {
      if (Date.now() > deadline) throw new Error(`only some of ${count} schedules fired in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const runs = await agent.call("runs");
    const lateness = runs.map((r) => r.fired_ms - due);
    const fireSpan = Math.max(...lateness);
    return {
      count,
      scheduleMs: Math.round(scheduleMs),
      scheduleUsPerOp: Math.round((scheduleMs * 1000) / count),
      fired: runs.length,
      early: lateness.filter((l) => l < 0).length,
      latenessP50Ms: percentile(lateness, 50),
      latenessP99Ms: percentile(lateness, 99),
      latenessMaxMs: fireSpan,
      fireUsPerOp: Math.round((fireSpan * 1000) / count),
    };
  } finally {
    agent.close();
  }
}

async function main() {
  const server = await startWrangler({ cwd: `${root}/tests/fixture`, port });
  const results = [];
  try {
    for (const count of counts) {
      const result = await measure(server.url, count);
      console.log(JSON.stringify(result));
      results.push(result);
    }
  } finally {
    server.stop();
  }
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => l.toFixed(2)) };
  mkdirSync(`${root}/bench/results`, { recursive: true });
  writeFileSync(`${root}/bench/results/schedule.json`, JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2));
  const rows = results.map(
    (r) =>
      `| ${r.count} | ${r.scheduleMs} | ${r.scheduleUsPerOp} | ${r.fired} | ${r.early} | ${r.latenessP50Ms} | ${r.latenessP99Ms} | ${r.latenessMaxMs} | ${r.fireUsPerOp} |`,
  );
  writeFileSync(
    `${root}/bench/SCHEDULE.md`,
    [
      "# Scheduling benchmark",
      "",
      "N tasks scheduled in one RPC call (`scheduleMany` on the `Jobs` fixture), all due at the same instant, on",
      "`wrangler dev` with `X_LOCAL_OBSERVABILITY=false`. Lateness = time the task ran − its due time (the",
      "runtime's clock, which advances on I/O). Produced by `npm run bench:schedule`.",
      "",
      `Machine: ${machine.cpus} × ${machine.model}; load average before/after: ${machine.loadavg.join(" ")}; ${new Date().toISOString()}`,
      "",
      "| N | schedule all (ms) | schedule µs/op | fired | early | lateness p50 (ms) | p99 (ms) | last fired (ms) | fire µs/op |",
      "|---|---|---|---|---|---|---|---|---|",
      ...rows,
      "",
    ].join("\n"),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
