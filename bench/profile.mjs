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
import { WebSocket as WsSocket } from "ws";
import { startWrangler } from "./lib/server.mjs";
import * as workloads from "./workloads.mjs";
import { profiles } from "./run.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const [side = "rust", name = "largeState", key = "state5", repeat = "3"] = process.argv.slice(2);
const port = Number(process.env.BENCH_PROFILE_PORT ?? 8894);
const top = Number(process.env.BENCH_PROFILE_TOP ?? 30);
// BENCH_PROFILE_SIZE='{"agents":2,"warmRepeats":100}' replaces the size profile.
const size = process.env.BENCH_PROFILE_SIZE ? JSON.parse(process.env.BENCH_PROFILE_SIZE) : (profiles.full[key] ?? {});

async function inspector(url) {
  const targets = await (await fetch(`${url}/json`)).json();
  if (process.env.BENCH_PROFILE_DEBUG) console.log(targets);
  // wrangler's inspector proxy refuses undici's WebSocket; the `ws` package is accepted.
  const ws = new WsSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // "name file:line:column" for JS, "name module" for wasm and the runtime's own functions.
  const labelOf = (id) => {
    const frame = byId.get(id).callFrame;
    const file = frame.url.split("/").pop();
    const where = frame.url && !frame.url.includes("wasm") ? `${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : file;
    return `${frame.functionName || "(anonymous)"} ${where}`.trim();
  };
  const self = new Map();
  const deltas = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const label = labelOf(id);
    const us = deltas[i] ?? 0;
    self.set(label, (self.get(label) ?? 0) + us);
    total += us;
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]);
  // BENCH_PROFILE_CALLERS=text: who calls the functions whose label holds text.
  const wanted = process.env.BENCH_PROFILE_CALLERS;
  if (wanted) {
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const callers = new Map();
    profile.samples.forEach((id, i) => {
      if (!labelOf(id).includes(wanted)) return;
      const chain = [];
      for (let p = parent.get(id); p !== undefined && chain.length < 4; p = parent.get(p)) chain.push(labelOf(p).slice(0, 90));
      const key = chain.join(" <- ");
      callers.set(key, (callers.get(key) ?? 0) + (deltas[i] ?? 0));
    });
    for (const [key, us] of [...callers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      console.log(`callers ${(us / 1000).toFixed(1)} ms: ${key}`);
    }
  }
  const busy = rows.filter(([label]) => label !== "(idle)" && label !== "(program)");
  const busyTotal = busy.reduce((sum, [, us]) => sum + us, 0);
  const ms = (label) => ((self.get(label) ?? 0) / 1000).toFixed(0);
  console.log(`sampled ${(total / 1000).toFixed(0)} ms: idle ${ms("(idle)")}, runtime outside JS ${ms("(program)")}, JS and wasm ${(busyTotal / 1000).toFixed(0)} ms`);
  for (const [label, us] of busy.slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / busyTotal).toFixed(1).padStart(5)}%  ${label}`);
  }
}

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
