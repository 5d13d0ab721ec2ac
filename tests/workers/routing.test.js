import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, HEAD, OPTIONS",
  "access-control-allow-headers": "*",
  "access-control-max-age": "86400",
};

function expectCors(response) {
  for (const [key, value] of Object.entries(CORS)) expect(response.headers.get(key)).toBe(value);
}

describe("routing", () => {
  it("routes HTTP to the agent's on_request, extra path included", async () => {
    const name = uniqueName("r");
    const response = await fetchWorker(`/agents/probe/${name}/some/extra/name`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name, agent: "probe" });
    expectCors(response);
  });

  it("decodes percent-encoded names", async () => {
    const response = await fetchWorker(`/agents/probe/room%20one/name`);
    expect((await response.json()).name).toBe("room one");
  });

  it("answers an unknown agent with 400 and CORS", async () => {
    const response = await fetchWorker(`/agents/nobody/x`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Unknown agent "nobody"');
    expectCors(response);
  });

  it("answers invalid names with 400", async () => {
    expect((await fetchWorker(`/agents/probe/bad%zz`)).status).toBe(400);
    expect((await fetchWorker(`/agents/probe/${"n".repeat(300)}`)).status).toBe(400);
    expect((await fetchWorker(`/agents/probe/a%0Ab`)).status).toBe(400);
  });

  it("leaves non-agent paths to the worker", async () => {
    expect((await fetchWorker(`/agents/probe`)).status).toBe(404);
    expect((await fetchWorker(`/elsewhere`)).status).toBe(404);
    expect((await fetchWorker(`/`)).status).toBe(200);
  });

  it("answers OPTIONS preflight with 200 and CORS", async () => {
    const response = await fetchWorker(`/agents/probe/x`, { method: "OPTIONS" });
    expect(response.status).toBe(200);
    expectCors(response);
  });

  it("puts CORS on the agent's own 404", async () => {
    const response = await fetchWorker(`/agents/probe/${uniqueName("r")}/anything`);
    expect(response.status).toBe(404);
    expectCors(response);
  });

  it("lets a before-connect hook refuse or admit a WebSocket", async () => {
    const refused = await fetchWorker(`/agents/probe/private-1`, { headers: { Upgrade: "websocket" } });
    expect(refused.status).toBe(401);
    const admitted = await connect(`/agents/probe/private-1?token=letmein`);
    expect((await admitted.handshake()).identity.name).toBe("private-1");
    admitted.close();
  });

  it("lets a before-request hook refuse or admit HTTP", async () => {
    expect((await fetchWorker(`/agents/probe/private-2/name`)).status).toBe(401);
    const ok = await fetchWorker(`/agents/probe/private-2/name`, { headers: { authorization: "Bearer letmein" } });
    expect(ok.status).toBe(200);
    // The hook rewrote the request: the agent sees who the caller is.
    const user = await fetchWorker(`/agents/probe/private-2/user`, { headers: { authorization: "Bearer letmein" } });
    expect(await user.json()).toEqual({ user: "letmein-user" });
    const anonymous = await fetchWorker(`/agents/probe/public-2/user`);
    expect(await anonymous.json()).toEqual({ user: null });
  });

  it("does not let outside callers reach the internal RPC endpoint", async () => {
    const response = await fetchWorker(`/agents/probe/x/__agents/rpc`, {
      method: "POST",
      headers: { "x-agents-rpc": "1" },
      body: JSON.stringify({ method: "echo", args: [1] }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Reserved header");
  });

  it("refuses every framework-internal header from outside callers, not only the RPC marker", async () => {
    for (const header of ["x-agents-mcp-session", "x-agents-mcp-endpoint", "x-agents-anything"]) {
      const response = await fetchWorker(`/agents/probe/x/state`, { headers: { [header]: "1" } });
      expect(response.status, header).toBe(400);
      expect(await response.text(), header).toContain("Reserved header");
    }
  });

  it("strips framework-internal headers from a request a custom route forwards with AgentStub::fetch", async () => {
    // The fixture forwards /custom-state/{name} to TestStateAgent with AgentStub::fetch.
    const response = await fetchWorker(`/custom-state/${uniqueName("strip")}/x`, {
      headers: { "x-agents-mcp": "streamable-http", "x-agents-mcp-session": "0123456789abcdef0123456789abcdef" },
    });
    // Reached on_request as a plain request, not the MCP part ("... is not an MCP server").
    expect(await response.text()).not.toContain("MCP");
  });

  it("refuses an over-long _pk", async () => {
    const response = await fetchWorker(`/agents/probe/x?_pk=${"k".repeat(200)}`, { headers: { Upgrade: "websocket" } });
    expect(response.status).toBe(400);
  });

  it("turns a panic in on_request into a 500 and serves the next request", async () => {
    const name = uniqueName("r");
    const panicked = await fetchWorker(`/agents/probe/${name}/panic`);
    expect(panicked.status).toBe(500);
    const told = await panicked.text();
    expect(told).toMatch(/^Internal error \(ref [0-9a-f]{8}\)$/);
    expect(told).not.toContain("asked to panic");
    const failed = await fetchWorker(`/agents/probe/${name}/fail`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain("failed on purpose");
    expect((await fetchWorker(`/agents/probe/${name}/name`)).status).toBe(200);
  });
});

describe("custom prefix (the chat-room example's second mount)", () => {
  it("serves the same agent under another prefix, without CORS when turned off", async () => {
    const response = await fetchWorker(`/rooms/chat-room/${uniqueName("r")}/history`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect((await fetchWorker(`/rooms/counter/x`)).status).toBe(400);
  });
});
