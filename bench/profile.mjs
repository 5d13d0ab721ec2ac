// Profiles one benchmark workload on one server with the V8 CPU profiler,
// through `wrangler dev`'s inspector, and prints where the worker's time
// went (self time per function, and by wasm vs JS vs runtime).
//
//   node bench/profile.mjs rust largeState state5 [repeat]
//   node bench/profile.mjs ts fanOut fan
//   BENCH_PROFILE_SIZE='{"agents":1,"warmRepeats":200}' node bench/profile.mjs rust coldVersusWarm cold 1
//
// The size profile names are those of bench/run.mjs (the full profile).
// Port: BENCH_PROFILE_PORT (default 8894; inspector = port + 1000).
import { fileURLToPath } from "node:url";
import { inspector, summarize } from "./lib/profiler.mjs";
import { startWrangler } from "./lib/server.mjs";
import * as workloads from "./workloads.mjs";
import { profiles } from "./run.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const [side = "rust", name = "largeState", key = "state5", repeat = "3"] = process.argv.slice(2);
const port = Number(process.env.BENCH_PROFILE_PORT ?? 8894);
// BENCH_PROFILE_SIZE='{"agents":2,"warmRepeats":100}' replaces the size profile.
const size = process.env.BENCH_PROFILE_SIZE ? JSON.parse(process.env.BENCH_PROFILE_SIZE) : (profiles.full[key] ?? {});

const cwd = `${root}/bench/${side}`;
const server = await startWrangler({ cwd, port });
try {
  const fn = workloads[name];
  if (!fn) throw new Error(`no workload ${name}`);
  await fn(server.url, size); // warm up
  const debug = await inspector(`http://127.0.0.1:${port + 1000}`);
  await debug.send("Profiler.enable");
  await debug.send("Profiler.setSamplingInterval", { interval: 100 });
  await debug.send("Profiler.start");
  const results = [];
  for (let i = 0; i < Number(repeat); i++) results.push(await fn(server.url, size));
  const { result } = await debug.send("Profiler.stop");
  debug.close();
  console.log(`${side} ${name} ${key}:`, JSON.stringify(results));
  summarize(result.profile);
} finally {
  server.stop();
}
