// Chat benchmark: the Rust chat agent (bench/chat/rust, `BenchChat` with the default turn) against the TS
// Agents SDK's `AIChatAgent` (bench/chat/ts), both answering from the same OpenAI-compatible stand-in that runs
// in this process, over the `useAgentChat` wire protocol (raw WebSocket frames, as the hook sends them):
//   - time to first token: from the chat request to the first `text-delta` frame, and the agent's share of it
//     (from the stand-in writing its first content chunk to that frame);
//   - a 1,000-chunk reply: from the first delta to the terminal frame, and the worker's CPU for the whole turn
//     (every chunk parsed, stored and sent);
//   - replay: a second client joins while a 1,000-chunk reply waits before its end, asks to resume, and gets
//     the whole stream replayed (from its ack to `replayComplete`).
// Rounds alternate which side goes first. Writes bench/results/chat.json and the chat section of bench/RESULTS.md.
//
//   npm run bench:chat                     (5 rounds)
//   BENCH_ROUNDS=1 BENCH_CHAT_CHUNKS=50 npm run bench:chat   (a quick look; writes bench/results/chat-partial.json only)
//   node bench/chat.mjs --render           (the section again from bench/results/chat.json)
import { createServer } from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { serverCpu } from "./lib/cpu.mjs";
import { percentile } from "./lib/rpc.mjs";
import { section, withSection } from "./lib/sections.mjs";
import { startWrangler } from "./lib/server.mjs";

const root = new URL("..", import.meta.url).pathname;
const round = (x, digits = 2) => Number(x.toFixed(digits));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The model stand-in: `POST /v1/chat/completions` streams `chunks:<n>` content deltas (from the last user
 * message; default 10) in the OpenAI SSE form, as fast as it can; a message with `hold` waits before its
 * finish until `release()`. Each request's times (received, first content chunk written) are kept in `log`.
 */
export function startStandIn() {
  const log = [];
  let release = () => {};
  const server = createServer(async (req, res) => {
    const received = performance.now();
    let body = "";
    for await (const part of req) body += part;
    const messages = JSON.parse(body).messages ?? [];
    const last = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const text = typeof last === "string" ? last : JSON.stringify(last);
    const count = Number(/chunks:(\d+)/.exec(text)?.[1] ?? 10);
    const entry = { text, received, firstChunk: null };
    log.push(entry);
    res.writeHead(200, { "content-type": "text/event-stream" });
    const event = (delta, finish = null) =>
      `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(event({ role: "assistant", content: "" }));
    for (let i = 0; i < count; i++) {
      res.write(event({ content: `w${i} ` }));
      if (i === 0) entry.firstChunk = performance.now();
    }
    if (text.includes("hold")) await new Promise((resolve) => (release = resolve));
    res.end(`${event({}, "stop")}data: [DONE]\n\n`);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/v1`,
        log,
        release: () => release(),
        stop: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

/** A raw `useAgentChat`-protocol socket: every frame, and a wait for the first frame a predicate accepts. */
async function chatSocket(baseUrl, name) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/agents/bench-chat/${name}`);
  const frames = [];
  const waiters = new Set();
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    frame.at = performance.now();
    frames.push(frame);
    for (const waiter of waiters) if (waiter.test(frame)) (waiters.delete(waiter), waiter.resolve(frame));
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${baseUrl}`)), { once: true });
  });
  return {
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    next(test, timeoutMs = 60_000) {
      const seen = frames.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { test, resolve };
        waiters.add(waiter);
        // unref: a wait that was answered does not keep the driver alive for its timeout.
        setTimeout(() => waiters.delete(waiter) && reject(new Error(`no such frame within ${timeoutMs} ms`)), timeoutMs).unref();
      });
    },
    close: () => ws.close(),
  };
}

const body = (frame) => (frame.type === "cf_agent_use_chat_response" && frame.body ? JSON.parse(frame.body) : null);
const isDelta = (id) => (f) => f.id === id && !f.replay && body(f)?.type === "text-delta";
const isDone = (id) => (f) => f.type === "cf_agent_use_chat_response" && f.id === id && f.done === true && !f.replay;
let requests = 0;

/** Sends one user message as the hook does; returns the request id. */
function ask(socket, text, history) {
  const id = `r${++requests}`;
  history.push({ id: `u${requests}`, role: "user", parts: [{ type: "text", text }] });
  socket.send({
    type: "cf_agent_use_chat_request",
    id,
    init: { method: "POST", body: JSON.stringify({ messages: history, trigger: "submit-message" }) },
  });
  return id;
}

/** `turns` short turns, one after another: time to the first delta, and the agent's share of it. */
export async function firstToken(baseUrl, standIn, { turns }) {
  const socket = await chatSocket(baseUrl, `ttft-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const ttft = [];
  const overhead = [];
  try {
    const history = [];
    for (let i = 0; i < turns; i++) {
      const logged = standIn.log.length;
      const sent = performance.now();
      const id = ask(socket, `chunks:10 turn ${i}`, history);
      const first = await socket.next(isDelta(id));
      await socket.next(isDone(id));
      const entry = standIn.log[logged];
      ttft.push(first.at - sent);
      overhead.push(first.at - entry.firstChunk);
    }
  } finally {
    socket.close();
  }
  return {
    ttftP50Ms: round(percentile(ttft, 50)),
    ttftP99Ms: round(percentile(ttft, 99)),
    overheadP50Ms: round(percentile(overhead, 50)),
    overheadP99Ms: round(percentile(overhead, 99)),
  };
}

/** One reply of `chunks` chunks: from its first delta to its terminal frame, and every delta arrived. */
export async function longReply(baseUrl, { chunks }) {
  const socket = await chatSocket(baseUrl, `long-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  try {
    const id = ask(socket, `chunks:${chunks}`, []);
    const first = await socket.next(isDelta(id));
    const done = await socket.next(isDone(id));
    const deltas = socket.frames.filter(isDelta(id)).length;
    return { replyMs: round(done.at - first.at), deltas };
  } finally {
    socket.close();
  }
}

/** A reply of `chunks` chunks held before its end; a second client resumes it: from its ack to `replayComplete`. */
export async function replay(baseUrl, standIn, { chunks }) {
  const name = `replay-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const writer = await chatSocket(baseUrl, name);
  let reader;
  try {
    const id = ask(writer, `chunks:${chunks} hold`, []);
    for (let n = 0; writer.frames.filter(isDelta(id)).length < chunks; n++) {
      if (n > 6000) throw new Error("the held reply did not arrive");
      await sleep(10);
    }
    reader = await chatSocket(baseUrl, name);
    reader.send({ type: "cf_agent_stream_resume_request", probeId: "bench" });
    const resuming = await reader.next((f) => f.type === "cf_agent_stream_resuming");
    const acked = performance.now();
    reader.send({ type: "cf_agent_stream_resume_ack", id: resuming.id });
    const complete = await reader.next((f) => f.replay && (f.replayComplete || f.done));
    const replayed = reader.frames.filter((f) => f.replay && body(f)?.type === "text-delta").length;
    standIn.release();
    await writer.next(isDone(id));
    return { replayMs: round(complete.at - acked), replayed };
  } finally {
    standIn.release();
    writer.close();
    reader?.close();
  }
}

/** A chunk's body as a reply stores it: a text delta's JSON. */
const STORED_BODY = JSON.stringify({ type: "text-delta", id: "0b6f1c3e-8a9d-4e2f-9c1a-5d7e3b2a4f60-text-0", delta: "w123 " });

/**
 * The storage cost of a chunk: the worker's CPU for a call that stores `chunks` chunks as a reply stores them
 * (bench/chat/*: `storeChunks`, through the framework's own chunk store) less that of a call storing none,
 * per chunk; the lowest of `tries`.
 */
export async function storeCost(baseUrl, meter, { chunks, tries = 3 }) {
  const socket = await chatSocket(baseUrl, `store-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  let calls = 0;
  const call = async (count) => {
    const id = `s${++calls}`;
    socket.send({ type: "rpc", id, method: "storeChunks", args: [count, STORED_BODY] });
    const reply = await socket.next((f) => f.type === "rpc" && f.id === id);
    if (!reply.success) throw new Error(`storeChunks: ${reply.error}`);
    return {};
  };
  try {
    await call(1); // the tables exist and the statements are prepared
    const costs = [];
    for (let i = 0; i < tries; i++) {
      const none = await meter.measure(() => call(0));
      const some = await meter.measure(() => call(chunks));
      if (none.serverCpuMs !== undefined && some.serverCpuMs !== undefined) {
        costs.push(((some.serverCpuMs - none.serverCpuMs) * 1000) / chunks);
      }
    }
    return costs.length ? { storeUsPerChunk: round(Math.min(...costs), 1) } : {};
  } finally {
    socket.close();
  }
}

const FIGURES = [
  ["time to first token p50 (ms)", "first", "ttftP50Ms"],
  ["time to first token p99 (ms)", "first", "ttftP99Ms"],
  ["agent's share of it p50 (ms): stand-in's first chunk → first `text-delta` frame", "first", "overheadP50Ms"],
  ["agent's share of it p99 (ms)", "first", "overheadP99Ms"],
  ["reply of CHUNKS chunks: first delta → terminal frame (ms)", "long", "replyMs"],
  ["reply of CHUNKS chunks: deltas received", "long", "deltas"],
  ["reply of CHUNKS chunks: worker CPU for the turn (ms)", "long", "serverCpuMs"],
  ["reply of CHUNKS chunks: worker CPU per chunk (µs)", "long", "cpuPerChunkUs"],
  ["storing a chunk as a reply does: worker CPU per chunk (µs), CHUNKS stored", "store", "storeUsPerChunk"],
  ["replay of CHUNKS chunks to a resuming client: ack → `replayComplete` (ms)", "replay", "replayMs"],
  ["replay of CHUNKS chunks: deltas replayed", "replay", "replayed"],
];

const median = (values) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const cell = (runs, workload, key) => {
  const values = runs.map((r) => r[workload]?.[key]).filter((v) => typeof v === "number");
  if (!values.length) return runs.find((r) => r[workload]?.error)?.[workload].error ?? "–";
  return values.length === 1 ? `${values[0]}` : `${median(values)} (${Math.min(...values)}–${Math.max(...values)})`;
};
/** Rust's median over TS's for a time or a cost (lower is better), or "–" for a count. */
const ratio = (runs, workload, key) => {
  if (key === "deltas" || key === "replayed") return "–";
  const rust = runs.rust.map((r) => r[workload]?.[key]).filter((v) => typeof v === "number");
  const ts = runs.ts.map((r) => r[workload]?.[key]).filter((v) => typeof v === "number");
  if (!rust.length || !ts.length || !median(ts)) return "–";
  const x = median(rust) / median(ts);
  return `${x.toFixed(2)}× (${x <= 1 ? "Rust" : "TS"} better)`;
};

/** The chat section of bench/RESULTS.md for `results` (bench/results/chat.json). */
export function chatSection({ date, machine, rounds, chunks, turns, runs }) {
  return section("chat", [
    "## Chat: the `useAgentChat` protocol, Rust chat agent vs `AIChatAgent`",
    "",
    "The Rust `BenchChat` (bench/chat/rust: a chat agent with the default turn) and the TS Agents SDK's `AIChatAgent`",
    "(`@cloudflare/ai-chat`, bench/chat/ts: the same model call, chunks through the AI SDK's `createUIMessageStream`),",
    "each under `wrangler dev`, answer from one OpenAI-compatible stand-in in the driver's process, which writes its",
    `chunks as fast as it can. Time to first token: ${turns} turns one after another on one conversation. ${rounds} round(s),`,
    `each starting with the other side; cells are median (min–max). Produced by \`npm run bench:chat\` (${date}).`,
    `Machine: ${machine}.`,
    "",
    "| figure | TypeScript (`AIChatAgent`) | Rust (`workers-agents`) | Rust / TS |",
    "|---|---|---|---|",
    ...FIGURES.map(
      ([label, workload, key]) =>
        `| ${label.replaceAll("CHUNKS", chunks.toLocaleString("en"))} | ${cell(runs.ts, workload, key)} | ${cell(runs.rust, workload, key)} | ${ratio(runs, workload, key)} |`,
    ),
    "",
    "Both agents store each reply's chunks while they stream it (so a client that reloads gets the replay) and the",
    "finished message. Frames pass through `wrangler dev`'s proxy (a second workerd) to the driver; the CPU figures are",
    "the worker's own workerd. The storage cost is a callable (`storeChunks`) that stores the chunks through each SDK's",
    "own chunk store, less the same call storing none. The Rust agent stores every chunk before it sends it; deltas",
    "that come within 10 ms of the last one sent are held and go together, stored in one commit (a cut stream loses",
    "only chunks nobody was sent). `AIChatAgent` sends each chunk at once and writes one row per 10 (a cut stream",
    "loses up to 9 sent chunks).",
  ]);
}

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const chunks = Number(process.env.BENCH_CHAT_CHUNKS ?? 1000);
  const turns = Number(process.env.BENCH_CHAT_TURNS ?? 20);
  const ports = { rust: Number(process.env.BENCH_RUST_PORT ?? 9340), ts: Number(process.env.BENCH_TS_PORT ?? 9341) };
  const standIn = await startStandIn();
  const vars = { AI_PROVIDER: "openai", OPENAI_BASE_URL: standIn.url, OPENAI_API_KEY: "bench", AI_MODEL: "bench-model" };
  const before = loadavg().map((l) => l.toFixed(2));
  const servers = {};
  const runs = { rust: [], ts: [] };
  try {
    for (const side of ["rust", "ts"]) {
      servers[side] = await startWrangler({ cwd: `${root}/bench/chat/${side}`, port: ports[side], inspectorPort: ports[side] + 50, vars });
    }
    const meters = Object.fromEntries(Object.entries(servers).map(([side, server]) => [side, serverCpu(server.url)]));
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 ? ["ts", "rust"] : ["rust", "ts"]) {
        const url = servers[side].url;
        const run = async (work) => {
          try {
            return await work();
          } catch (error) {
            return { error: String(error.message).slice(0, 80) };
          }
        };
        const result = {
          first: await run(() => firstToken(url, standIn, { turns })),
          long: await run(async () => {
            const measured = await (meters[side] ? meters[side].measure(() => longReply(url, { chunks })) : longReply(url, { chunks }));
            return { ...measured, cpuPerChunkUs: measured.serverCpuMs === undefined ? undefined : round((measured.serverCpuMs * 1000) / chunks, 1) };
          }),
          replay: await run(() => replay(url, standIn, { chunks })),
          store: meters[side] ? await run(() => storeCost(url, meters[side], { chunks })) : {},
        };
        console.log(side, JSON.stringify(result));
        runs[side].push(result);
      }
    }
  } finally {
    for (const server of Object.values(servers)) server.stop();
    await standIn.stop();
  }
  const after = loadavg().map((l) => l.toFixed(2));
  const machine = `${cpus().length} × ${cpus()[0]?.model}; load average before ${before.join(" ")}, after ${after.join(" ")}`;
  const results = { date: new Date().toISOString(), machine, rounds, chunks, turns, runs };
  mkdirSync(`${root}/bench/results`, { recursive: true });
  // Another size than the full one never overwrites the recorded results.
  const full = chunks === 1000 && turns === 20 && rounds >= 5;
  writeFileSync(`${root}/bench/results/${full ? "chat" : "chat-partial"}.json`, JSON.stringify(results, null, 2));
  const text = chatSection(results);
  if (full) writeFileSync(`${root}/bench/RESULTS.md`, withSection(readFileSync(`${root}/bench/RESULTS.md`, "utf8"), "chat", text));
  console.log(text);
  const bad = Object.values(runs)
    .flat()
    .filter((r) => r.first.error || r.long.error || r.replay.error || r.store?.error || r.long.deltas !== chunks || r.replay.replayed !== chunks);
  if (bad.length) {
    console.error(`${bad.length} run(s) failed, lost a delta or replayed a wrong count`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "--render") {
    const path = `${root}/bench/RESULTS.md`;
    const text = chatSection(JSON.parse(readFileSync(`${root}/bench/results/chat.json`, "utf8")));
    writeFileSync(path, withSection(readFileSync(path, "utf8"), "chat", text));
  } else {
    await main();
  }
}
