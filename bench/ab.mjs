// A/B of two builds of the Rust benchmark worker, side by side in the same
// way as bench/run.mjs (each round starts with the next build), for a
// before/after figure of one change on a machine whose speed drifts.
//
//   node bench/ab.mjs save before          (bench/rust/build → target/ab/before)
//   ... change the code, then:
//   node bench/ab.mjs save after
//   BENCH_ROUNDS=7 node bench/ab.mjs run before after rpc,inc,sched10k
//
// The size names are those of bench/run.mjs's full profile. Ports: 8860 and 8862 (inspectors +1000).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { serverCpu } from "./lib/cpu.mjs";
import { startWrangler } from "./lib/server.mjs";
import { profiles, WORKLOADS } from "./run.mjs";

const root = new URL("..", import.meta.url).pathname;
const [command, ...args] = process.argv.slice(2);
const dirOf = (name) => `${root}/target/ab/${name}`;

if (command === "save") {
  const [name] = args;
  execFileSync("bash", ["scripts/build.sh", "bench/rust"], { cwd: root, stdio: "inherit" });
  rmSync(dirOf(name), { recursive: true, force: true });
  mkdirSync(dirOf(name), { recursive: true });
  cpSync(`${root}/bench/rust/build`, `${dirOf(name)}/build`, { recursive: true });
  // The same worker without its build step: it runs the saved build as it is.
  writeFileSync(
    `${dirOf(name)}/wrangler.toml`,
    [
      `name = "bench-ab-${name}"`,
      'main = "build/index.js"',
      'compatibility_date = "2026-08-15"',
      "[[durable_objects.bindings]]",
      'name = "BenchAgent"',
      'class_name = "BenchAgent"',
      "[[migrations]]",
      'tag = "v1"',
      'new_sqlite_classes = ["BenchAgent"]',
      "[observability]",
      "enabled = false",
      "",
    ].join("\n"),
  );
  console.log(`saved ${dirOf(name)}`);
} else if (command === "run") {
  const [a, b, keys = "rpc,inc,sched10k"] = args;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const size = profiles.full;
  const servers = {};
  const stops = [];
  try {
    for (const [i, name] of [a, b].entries()) {
      const server = await startWrangler({ cwd: dirOf(name), port: 8860 + 2 * i });
      stops.push(server.stop);
      servers[name] = server.url;
    }
    const meters = Object.fromEntries(Object.entries(servers).map(([name, url]) => [name, serverCpu(url)]));
    const samples = {};
    for (let round = 0; round < rounds; round++) {
      for (const key of keys.split(",")) {
        const fn = WORKLOADS.find(([, , k]) => k === key)[1];
        const order = round % 2 ? [b, a] : [a, b];
        for (const name of order) {
          const run = () => fn(servers[name], size[key]);
          const result = await (meters[name] ? meters[name].measure(run) : run());
          for (const [figure, value] of Object.entries(result)) {
            if (typeof value === "number") ((samples[`${key} ${figure}`] ??= { [a]: [], [b]: [] })[name]).push(value);
          }
        }
      }
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
    console.log(`| figure (median of ${rounds}) | ${a} | ${b} | ${b}/${a} |`);
    console.log("|---|---|---|---|");
    for (const [figure, by] of Object.entries(samples)) {
      const [ma, mb] = [median(by[a]), median(by[b])];
      console.log(`| ${figure} | ${ma} | ${mb} | ${ma ? (mb / ma).toFixed(2) : "–"} |`);
    }
  } finally {
    for (const stop of stops) stop();
  }
} else {
  console.error("usage: node bench/ab.mjs save NAME | run A B [size,size]");
  process.exit(2);
}
