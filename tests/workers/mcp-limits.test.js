// Defences of the MCP endpoints against hostile input: what an outsider sends
// is refused whole, before it reaches or changes a session's agent.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";
import { ACCEPT, call, initialize, post, readMessages, request } from "./mcp.js";

/** How many tables (and indexes) the Durable Object behind `stub` holds. */
const tableCount = (stub) =>
  runInDurableObject(stub, (_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master").one().n);

const counterValue = async (session) =>
  (await call("/mcp", session, "resources/read", { uri: "mcp://resource/counter" })).result.contents[0].text;

describe("MCP limits", () => {
  it("refuses a batch over 100 messages whole, without running any of it", async () => {
    const { session } = await initialize("/mcp", "2025-03-26");
    const before = await counterValue(session);
    const add = () => request("tools/call", { name: "add", arguments: { a: 1 } });
    const refused = await post("/mcp", Array.from({ length: 101 }, add), { session });
    expect(refused.status).toBe(400);
    const body = await refused.json();
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toContain("at most 100");
    expect(await counterValue(session)).toBe(before);
    // At the cap, a batch is answered.
    const pings = await (await post("/mcp", Array.from({ length: 100 }, () => request("ping")), { session })).json();
    expect(pings).toHaveLength(100);
  });

  it("refuses an initialize that names its own session id, and creates no session for it", async () => {
    const chosen = "0123456789abcdef0123456789abcdef".replace(/./g, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]);
    const init = request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "0" } });
    const refused = await post("/mcp", init, { session: chosen });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toContain("server issues it");
    const ping = await post("/mcp", request("ping"), { session: chosen });
    expect(ping.status).toBe(404);
  });

  it("answers 404 to 200 unknown session ids and writes nothing for them", async () => {
    const randomId = () => Array.from({ length: 32 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
    const tried = [];
    for (let i = 0; i < 200; i++) {
      const id = randomId();
      const [transport, attempt] = [
        ["streamable-http", () => post("/mcp", request("tools/list"), { session: id })],
        ["streamable-http", () => fetchWorker("/mcp", { headers: { accept: "text/event-stream", "mcp-session-id": id } })],
        ["streamable-http", () => fetchWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": id } })],
        ["sse", () => post(`/sse/message?sessionId=${id}`, request("tools/list"))],
      ][i % 4];
      const response = await attempt();
      expect(response.status).toBe(404);
      expect((await response.json()).error.code).toBe(-32001);
      tried.push(`${transport}:${id}`);
    }
    // Each instance those requests woke holds no table at all.
    for (const name of tried) {
      const stored = await tableCount(env.CounterMcp.get(env.CounterMcp.idFromName(name)));
      expect(stored, name).toBe(0);
    }
  });

  it("deletes a session's storage when the session is ended, and then knows it no more", async () => {
    const { session } = await initialize("/mcp");
    expect((await call("/mcp", session, "ping")).result).toEqual({});
    const stub = env.CounterMcp.get(env.CounterMcp.idFromName(`streamable-http:${session}`));
    const tables = () => tableCount(stub);
    expect(await tables()).toBeGreaterThan(0);
    const ended = await fetchWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": session } });
    expect(ended.status).toBe(200);
    expect(await tables()).toBe(0);
    expect((await post("/mcp", request("ping"), { session })).status).toBe(404);
    expect((await fetchWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": session } })).status).toBe(404);
    expect(await tables()).toBe(0);
  });

  it("refuses a foreign or null Origin with 403 by default, before any session exists", async () => {
    const init = () => request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "o", version: "0" } });
    for (const origin of ["http://evil.example.com", "null", "http://agents.test:8080", "https://agents.test"]) {
      const refused = await post("/mcp", init(), { headers: { origin } });
      expect(refused.status, origin).toBe(403);
      expect(refused.headers.get("mcp-session-id")).toBeNull();
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      expect((await refused.json()).error.message).toContain("not allowed");
    }
    const preflight = await fetchWorker("/mcp", { method: "OPTIONS", headers: { origin: "http://evil.example.com" } });
    expect(preflight.status).toBe(403);
    // The legacy transport too.
    const legacy = await fetchWorker("/sse", { headers: { accept: "text/event-stream", origin: "http://evil.example.com" } });
    expect(legacy.status).toBe(403);
    // The server's own origin, and clients that send none, are served; neither gets wildcard CORS.
    for (const headers of [{ origin: "http://agents.test" }, {}]) {
      const served = await post("/mcp", init(), { headers });
      expect(served.status).toBe(200);
      expect(served.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("answers an allowed origin (the MCP inspector's) with CORS headers naming it", async () => {
    const origin = "http://localhost:6274";
    const preflight = await fetchWorker("/probe/mcp", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, mcp-session-id" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("mcp-session-id");
    expect(preflight.headers.get("vary")).toContain("origin");
    const init = request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "i", version: "0" } });
    const served = await post("/probe/mcp", init, { headers: { origin } });
    expect(served.status).toBe(200);
    expect(served.headers.get("access-control-allow-origin")).toBe(origin);
    expect(served.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
    // Another port of the same host is another origin.
    expect((await post("/probe/mcp", init, { headers: { origin: "http://localhost:6275" } })).status).toBe(403);
  });

  it("expires an idle session through the alarm and deletes its storage", async () => {
    // IdleMcp's sessions expire after 300 ms without a request.
    const { session } = await initialize("/idle/mcp");
    const stub = env.IdleMcp.get(env.IdleMcp.idFromName(`streamable-http:${session}`));
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The alarm may have fired already; if not, run it now.
    await runDurableObjectAlarm(stub);
    const tables = await tableCount(stub);
    expect(tables).toBe(0);
    expect((await post("/idle/mcp", request("ping"), { session })).status).toBe(404);
  });

  it("keeps a session that is in use: an alarm before its expiry ends nothing", async () => {
    const { session } = await initialize("/mcp");
    const stub = env.CounterMcp.get(env.CounterMcp.idFromName(`streamable-http:${session}`));
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    // A day ahead by default.
    expect(alarm - Date.now()).toBeGreaterThan(23 * 60 * 60 * 1000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await call("/mcp", session, "ping")).result).toEqual({});
  });

  it("expires an idle legacy SSE session too", async () => {
    const response = await fetchWorker("/idle/sse", { headers: { accept: "text/event-stream" } });
    const reader = response.body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const id = /sessionId=([0-9a-f]{32})/.exec(first)[1];
    await reader.cancel();
    const stub = env.IdleMcp.get(env.IdleMcp.idFromName(`sse:${id}`));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await runDurableObjectAlarm(stub);
    const tables = await tableCount(stub);
    expect(tables).toBe(0);
  });

  it("bounds a batch's reply: once it passes 4 MiB, the requests left are not run", async () => {
    const { session } = await initialize("/probe/mcp", "2025-03-26");
    const big = () => request("tools/call", { name: "burst", arguments: { steps: 0, pad_kib: 1024 } });
    const response = await post("/probe/mcp", Array.from({ length: 10 }, big), { session });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.length).toBeLessThan(6 * 1024 * 1024);
    const replies = JSON.parse(text);
    expect(replies).toHaveLength(10);
    const ran = replies.filter((r) => r.result);
    const refused = replies.filter((r) => r.error);
    expect(ran.length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThan(0);
    expect(ran.length + refused.length).toBe(10);
    expect(refused[0].error).toMatchObject({ code: -32000, message: expect.stringContaining("request not run") });
  });

  it("runs at most 32 requests at once per session and refuses the rest", async () => {
    const { session } = await initialize("/probe/mcp");
    const slow = () => call("/probe/mcp", session, "tools/call", { name: "slow", arguments: { ms: 400 } });
    const replies = await Promise.all(Array.from({ length: 36 }, slow));
    const refused = replies.filter((r) => r.error);
    expect(refused).toHaveLength(4);
    expect(refused[0].error).toMatchObject({ code: -32000, message: "Too many requests in flight in this session (limit 32)" });
    expect(replies.filter((r) => r.result)).toHaveLength(32);
    expect((await call("/probe/mcp", session, "ping")).result).toEqual({});
  });

  it("cancels the tools a session started when the session is ended", async () => {
    const { session } = await initialize("/probe/mcp");
    const report = uniqueName("ended");
    // The call's SSE response is left unread; its tool runs on in the instance.
    const running = post("/probe/mcp", request("tools/call", { name: "slowReport", arguments: { ms: 3000, report } }), { session });
    await running;
    const ended = await fetchWorker("/probe/mcp", { method: "DELETE", headers: { "mcp-session-id": session } });
    expect(ended.status).toBe(200);
    const probe = await connect(`/agents/probe/${report}`);
    await probe.handshake();
    const rows = async (label) => (await probe.call("rows", [label])).result;
    let cancelled = [];
    for (let i = 0; i < 50 && cancelled.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      cancelled = await rows("cancelled");
    }
    expect(cancelled).toHaveLength(1);
    expect(await rows("finished")).toEqual([]);
    probe.close();
  });

  it("keeps the newest 1000 events of a stream for resumption, not all of them", async () => {
    const { session } = await initialize("/probe/mcp");
    await post("/probe/mcp", request("logging/setLevel", { level: "debug" }), { session });
    const response = await post("/probe/mcp", request("tools/call", { name: "burst", arguments: { steps: 1500 } }), { session });
    const messages = await readMessages(response);
    expect(messages.at(-1).result.content[0].text).toBe("sent 1500");
    const stub = env.McpProbe.get(env.McpProbe.idFromName(`streamable-http:${session}`));
    const kept = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec("SELECT count(*) AS n, min(seq) AS first FROM cf_agents_mcp_events").one(),
    );
    expect(kept.n).toBe(1000);
    // The newest are kept: the 1501 messages (1500 logs and the result) end at seq 1501.
    expect(kept.first).toBe(502);
  });

  for (const [label, path, query] of [
    ["Streamable HTTP", "/mcp", ""],
    ["legacy SSE", "/sse/message", "?sessionId=0123456789abcdef0123456789abcdef"],
  ]) {
    it(`refuses a WebSocket upgrade into an MCP session (${label})`, async () => {
      const { session } = await initialize("/mcp");
      const response = await fetchWorker(`${path}${query}`, {
        headers: { Upgrade: "websocket", "mcp-session-id": session, accept: ACCEPT },
      });
      expect(response.status).toBe(400);
      expect(response.webSocket).toBeFalsy();
      expect((await response.json()).error.message).toContain("WebSocket");
    });
  }
});
