// Starts `wrangler dev` on a loopback port for the integration tests and
// stops it (by PID) afterwards. AGENTS_DEV_PORT overrides the port.
import { spawn } from "node:child_process";

const port = Number(process.env.AGENTS_DEV_PORT ?? 8790);
const inspectorPort = port + 1000;

async function waitForServer(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer at ${url} within ${timeoutMs} ms`);
}

export default async function setup({ provide }) {
  const child = spawn(
    "npx",
    ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)],
    {
      env: { ...process.env, X_LOCAL_OBSERVABILITY: "false", WRANGLER_SEND_METRICS: "false", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    await waitForServer(`http://127.0.0.1:${port}/`, child, 240_000);
  } catch (error) {
    process.kill(-child.pid, "SIGTERM");
    throw new Error(`${error.message}\n${log.slice(-4000)}`);
  }
  provide("baseUrl", `http://127.0.0.1:${port}`);
  return () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
}
