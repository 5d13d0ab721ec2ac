// Builds the worker, serves it with `wrangler dev` on loopback (PORT, default 8788; its inspector on PORT + 1000) for
// the tests, and stops it afterwards.
import { spawn, spawnSync } from "node:child_process";

const port = Number(process.env.PORT ?? 8788);
// The tests need no small bundle: built without wasm-opt (minutes saved), here and by `wrangler dev`'s own build.
const env = { ...process.env, WORKERS_AGENTS_NO_OPT: "1" };

export default async function setup({ provide }) {
  // Built here, with its output shown, so that `wrangler dev` (which runs the same build) finds it done.
  const build = spawnSync("bash", ["scripts/build.sh"], { stdio: "inherit", env });
  if (build.status !== 0) throw new Error(`scripts/build.sh failed (${build.status ?? build.signal})`);
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(port + 1000)];
  const child = spawn("npx", args, {
    env: { ...env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, stopped as a whole
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already stopped
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log.slice(-3000)}`);
    if (Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev did not answer within 120 s:\n${log.slice(-3000)}`);
    }
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  provide("host", `127.0.0.1:${port}`);
  return stop;
}
