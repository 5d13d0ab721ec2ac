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

/** Waits until nothing listens on the loopback `port` (a killed server's sockets close with its processes). */
export async function waitPortFree(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertPortFree(port);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * `inspectorPort`: wrangler's inspector (default `port + 1000`). `persistTo`: a directory for wrangler's
 * `--persist-to` (Durable Object storage and alarms outlive the process). The result's `stop()` ends the process group with SIGTERM; `kill()` with SIGKILL (a crash:
 * nothing gets to finish) and resolves once the group leader has exited and the ports are free.
 */
export async function startWrangler({ cwd, port, inspectorPort = port + 1000, vars = {}, persistTo }) {
  await assertPortFree(port);
  await assertPortFree(inspectorPort);
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  if (persistTo) args.push("--persist-to", persistTo);
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
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const kill = async () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already stopped
    }
    await exited;
    await waitPortFree(port);
    await waitPortFree(inspectorPort);
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
  return { url: `http://127.0.0.1:${port}`, stop, kill, log: () => log };
}
