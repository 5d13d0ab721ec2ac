// Starts `wrangler dev` for a worker directory on a loopback port, with local
// observability tracing off (it otherwise dominates the figures). Used by the
// benchmarks and by the integration tests.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** Fails when something already listens on the loopback `port` (a server left running would otherwise be measured or tested in place of the new one). */
export async function assertPortFree(port) {
  const probe = createServer();
  await new Promise((resolve, reject) => {
    probe.once("error", (error) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} on 127.0.0.1 is already in use: stop what listens there, or pick another port`)
          : error,
      ),
    );
    probe.listen(port, "127.0.0.1", resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

export async function startWrangler({ cwd, port, vars = {} }) {
  await assertPortFree(port);
  await assertPortFree(port + 1000);
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(port + 1000)];
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  const child = spawn("npx", args, {
    cwd,
    env: { ...process.env, X_LOCAL_OBSERVABILITY: "false", WRANGLER_SEND_METRICS: "false", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already stopped
    }
  };
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log.slice(-3000)}`);
    if (Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev did not start within 240 s:\n${log.slice(-3000)}`);
    }
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}
