// Faults: `wrangler dev` of the fixture is killed (SIGKILL to its process group) while a model reply streams,
// a scheduled task runs and large states are being written, then started again on the same --persist-to
// directory. One kill, one restart; each test checks what one of those left behind. Talks to its own
// wrangler dev (AGENTS_FAULT_PORT, default 9320; inspector +50) and stand-in model (AGENTS_FAULT_AI_PORT, 9321).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "agents/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler } from "../../bench/lib/server.mjs";
import { API_KEY, startStandin } from "../standin/openai.mjs";
import { unique } from "./clients.js";
import { loginAgent } from "./mcp-client-login.js";

const port = Number(process.env.AGENTS_FAULT_PORT ?? 9320);
const aiPort = Number(process.env.AGENTS_FAULT_AI_PORT ?? 9321);
const fixture = new URL("../fixture", import.meta.url).pathname;
/** The blob of state version `k`: `v<k>|` repeated; 2,000,000+ characters, several 256 Ki-unit chunk rows. */
const BLOB_REPEATS = 400_000;
const blobOf = (k) => `v${k}|`.repeat(BLOB_REPEATS);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const textOf = (chunks) => chunks.filter((c) => c.type === "delta").map((c) => c.text).join("");

let standin, server, persistTo;
const open = [];
const names = { assistant: unique("restart"), jobs: unique("restart"), probe: unique("restart"), mcp: unique("restart") };
/** What the clients saw before the kill. */
const before = {};

function client(agent, name) {
  const c = new AgentClient({ host: `127.0.0.1:${port}`, agent, name });
  open.push(c);
  return c;
}

async function until(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const start = () =>
  startWrangler({
    cwd: fixture,
    port,
    inspectorPort: port + 50,
    persistTo,
    vars: {
      AI_PROVIDER: "openai",
      OPENAI_BASE_URL: standin.url,
      OPENAI_API_KEY: API_KEY,
      AI_MODEL: "stand-in",
      MCP_CLIENT_TOKEN_KEY: "restart-test-only-token-key-0123456789abcdef",
    },
  });

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), "agents-restart-"));
  standin = await startStandin(aiPort);
  server = await start();
  const jobs = client("Jobs", names.jobs);
  const probe = client("Probe", names.probe);
  const assistant = client("Assistant", names.assistant);
  const mcp = client("McpClientProbe", names.mcp);
  await Promise.all([jobs.ready, probe.ready, assistant.ready, mcp.ready]);

  // An MCP client agent logged in to the fixture's OAuth-protected MCP server.
  const base = `http://127.0.0.1:${port}`;
  await mcp.call("allowLoopback", [true]);
  before.mcpLogin = (await loginAgent(base, mcp, names.mcp, `${base}/secure/mcp`, "restart-user")).page.status;
  before.mcpTools = (await mcp.call("listTools", ["secure"])).map((t) => t.name);

  // A task that is running at the kill, one due while the process is down, one due long after.
  await jobs.call("schedule", [{ delayMs: 0 }, "slow", { label: "slow", ms: 60_000 }]);
  await until("the slow task to start", async () => (await jobs.call("runs", [])).length > 0);
  before.dueWhileDown = await jobs.call("schedule", [{ delayMs: 4_000 }, "record", { label: "due-while-down" }]);
  before.later = await jobs.call("schedule", [{ delayMs: 3_600_000 }, "record", { label: "later" }]);

  // Large state writes back to back, each several chunk rows; the kill lands among them.
  await probe.call("fillBlob", ["v0|", BLOB_REPEATS]);
  before.acked = 0;
  before.sent = 0;
  let writing = true;
  (async () => {
    for (let k = 1; writing; k++) {
      before.sent = k;
      await probe.call("fillBlob", [`v${k}|`, BLOB_REPEATS], { timeout: 0 });
      if (writing) before.acked = k;
    }
  })().catch(() => {});
  await until("two state writes", () => before.acked >= 2);

  // A slow streamed reply (20 pieces, 40 ms apart), killed after a few pieces.
  before.chunks = [];
  const fivePieces = new Promise((resolve) => {
    assistant
      .call("ask", ["be slow"], {
        stream: {
          onChunk: (chunk) => {
            before.chunks.push(chunk);
            if (before.chunks.length === 5) resolve();
          },
        },
      })
      .catch(() => {});
  });
  await fivePieces;
  writing = false;
  await server.kill();
  before.killedAt = Date.now();
  before.seen = textOf(before.chunks);
  before.replyId = before.chunks[0].id;
  for (const c of open.splice(0)) c.close();

  // Let the schedule come due while nothing runs, then start again on the same storage.
  await sleep(Math.max(0, before.dueWhileDown.dueMs + 200 - Date.now()));
  server = await start();
  before.restartedAt = Date.now();
}, 120_000);

afterAll(async () => {
  for (const c of open.splice(0)) c.close();
  server?.stop();
  await standin?.stop();
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

describe("wrangler dev killed and started again on the same storage", () => {
  it("killed while the schedule was still to come and the slow task ran (else the test proves nothing)", () => {
    expect(before.killedAt).toBeLessThan(before.dueWhileDown.dueMs);
    expect(before.restartedAt).toBeGreaterThan(before.dueWhileDown.dueMs);
  });

  it("a streamed reply is marked incomplete, keeps every piece a client saw, and can be caught up and continued", async () => {
    const c = client("Assistant", names.assistant);
    await c.ready;
    const [, reply] = await c.call("history", []);
    expect(reply).toMatchObject({ id: before.replyId, role: "assistant", status: "incomplete" });
    expect(reply.error).toMatch(/interrupted/);
    expect(reply.content.startsWith(before.seen)).toBe(true);
    const whole = Array.from({ length: 20 }, (_, i) => `word${i} `).join("");
    expect(whole.startsWith(reply.content) && reply.content.length < whole.length).toBe(true);

    // Catch-up from what this client saw: the rest of the stored text, then the reason it stopped.
    const missed = [];
    const resumed = c.call("resume", [before.replyId, before.seen.length], { stream: { onChunk: (chunk) => missed.push(chunk) } });
    await expect(resumed).rejects.toThrow(/interrupted/);
    expect(before.seen + textOf(missed)).toBe(reply.content);

    // The same over HTTP (SSE): the missed text, then an error event.
    const http = await fetch(`http://127.0.0.1:${port}/agents/assistant/${names.assistant}/messages/${before.replyId}?offset=${before.seen.length}`);
    const events = (await http.text()).split("\n\n").filter((e) => e.startsWith("event:"));
    const event = (e) => ({ event: /^event: (.*)$/m.exec(e)[1], data: JSON.parse(/^data: (.*)$/m.exec(e)[1]) });
    const parsed = events.map(event);
    expect(parsed.at(-1)).toMatchObject({ event: "error", data: { error: expect.stringMatching(/interrupted/) } });
    expect(before.seen + parsed.filter((e) => e.event === "delta").map((e) => e.data.text).join("")).toBe(reply.content);

    // The next question sees the partial answer as context.
    const next = await c.call("ask", ["go on"], { stream: { onChunk: () => {} } });
    expect(next).toMatchObject({ status: "complete", content: "You said: go on (4 messages)" });
    const request = standin.requests.at(-1).body;
    expect(request.messages.at(-2)).toMatchObject({ role: "assistant", content: reply.content });
  });

  it("schedules are re-armed: the one due while down runs, the interrupted task runs again to its end (without a client waking the agent), the later one waits", async () => {
    // The Jobs instance is left alone for a second after the restart: the alarm it had set fires by itself.
    await sleep(Math.max(0, before.restartedAt + 1_000 - Date.now()));
    const contact = Date.now();
    const jobs = client("Jobs", names.jobs);
    await jobs.ready;
    const runs = await until("the schedules to run", async () => {
      const runs = await jobs.call("runs", []);
      const labels = runs.map((r) => r.label);
      return labels.includes("due-while-down") && labels.includes("slow") ? runs : null;
    });
    expect(runs.map((r) => r.label).sort()).toEqual(["due-while-down", "slow", "started:slow", "started:slow"]);
    const firedAfterKill = runs.filter((r) => r.fired_ms > before.killedAt).map((r) => r.label);
    expect(firedAfterKill.sort()).toEqual(["due-while-down", "slow", "started:slow"]);
    expect(runs.every((r) => r.fired_ms < contact)).toBe(true);
    const pending = await jobs.call("list", []);
    expect(pending.map((s) => s.payload.label)).toEqual(["later"]);
    expect(pending[0]).toMatchObject({ id: before.later.id, dueMs: before.later.dueMs, status: "pending" });
    expect(await jobs.call("alarm", [])).toBe(before.later.dueMs);
  });

  it("an MCP client agent's OAuth login survives: its sealed tokens are read back, no new login is asked", async () => {
    expect(before.mcpLogin).toBe(200);
    expect(before.mcpTools).toContain("whoami");
    const mcp = client("McpClientProbe", names.mcp);
    await mcp.ready;
    expect((await mcp.call("listTools", ["secure"])).map((t) => t.name)).toEqual(before.mcpTools);
    const result = await mcp.call("callTool", ["secure", "whoami", {}]);
    expect(result.content[0].text).toBe("restart-user");
    const [server] = await mcp.call("servers", []);
    expect(server).toMatchObject({ id: "secure", state: "ready", error: null });
    expect(server.authUrl).toBeUndefined();
  });

  it("a state written in several rows is the last acknowledged version or a newer one, whole, and still writable", async () => {
    const probe = client("Probe", names.probe);
    await probe.ready;
    const k = Number(/^v(\d+)\|/.exec(probe.state.blob)?.[1]);
    expect(k).toBeGreaterThanOrEqual(before.acked);
    expect(k).toBeLessThanOrEqual(before.sent);
    expect(probe.state.blob === blobOf(k)).toBe(true);
    const { rows } = await probe.call("stateRows", []);
    expect(rows).toBeGreaterThan(1);

    expect(await probe.call("fillBlob", ["after|", 10])).toBe(60);
    probe.close();
    const again = client("Probe", names.probe);
    await again.ready;
    expect(again.state.blob).toBe("after|".repeat(10));
  });
});
