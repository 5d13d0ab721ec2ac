// The V8 CPU profiler through `wrangler dev`'s inspector, and a summary of
// where a profile's time went (self time per function; wasm vs JS vs runtime).
// Used by bench/profile.mjs and bench/profile-chat.mjs.
import { WebSocket as WsSocket } from "ws";

const top = Number(process.env.BENCH_PROFILE_TOP ?? 30);

export async function inspector(url) {
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

export function summarize(profile) {
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
  // BENCH_PROFILE_WITHIN=a,b: the time spent inside (below) functions whose label holds a, or b.
  const within = process.env.BENCH_PROFILE_WITHIN;
  if (within) {
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (const text of within.split(",")) {
      let us = 0;
      profile.samples.forEach((id, i) => {
        for (let p = id; p !== undefined; p = parent.get(p)) {
          if (labelOf(p).includes(text)) {
            us += deltas[i] ?? 0;
            return;
          }
        }
      });
      console.log(`within ${text}: ${(us / 1000).toFixed(1)} ms`);
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
