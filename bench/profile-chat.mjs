// Profiles the chat benchmark's 1,000-chunk reply (bench/chat.mjs `longReply`) on one side with the V8 CPU
// profiler, through `wrangler dev`'s inspector, and prints where the worker's time went.
//
//   node bench/profile-chat.mjs rust [repeat] [chunks]
//   AGENTS_KEEP_WASM_NAMES=1 node bench/profile-chat.mjs rust   (wasm function names in the profile: a fresh build)
//   node bench/profile-chat.mjs ts
//
// Port: BENCH_PROFILE_PORT (default 9370; inspector = port + 50).
import { fileURLToPath } from "node:url";
import { longReply, startStandIn } from "./chat.mjs";
import { inspector, summarize } from "./lib/profiler.mjs";
import { startWrangler } from "./lib/server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const [side = "rust", repeat = "3", chunks = "1000"] = process.argv.slice(2);
const port = Number(process.env.BENCH_PROFILE_PORT ?? 9370);
const standIn = await startStandIn();
const vars = { AI_PROVIDER: "openai", OPENAI_BASE_URL: standIn.url, OPENAI_API_KEY: "bench", AI_MODEL: "bench-model" };
const server = await startWrangler({ cwd: `${root}/bench/chat/${side}`, port, inspectorPort: port + 50, vars });
try {
  await longReply(server.url, { chunks: Number(chunks) }); // warm up
  const debug = await inspector(`http://127.0.0.1:${port + 50}`);
  await debug.send("Profiler.enable");
  await debug.send("Profiler.setSamplingInterval", { interval: 100 });
  await debug.send("Profiler.start");
  const results = [];
  for (let i = 0; i < Number(repeat); i++) results.push(await longReply(server.url, { chunks: Number(chunks) }));
  const { result } = await debug.send("Profiler.stop");
  debug.close();
  console.log(`${side} longReply ${chunks}:`, JSON.stringify(results));
  summarize(result.profile);
} finally {
  server.stop();
  await standIn.stop();
}
