// Defences of the MCP endpoints against hostile input: what an outsider sends
// is refused whole, before it reaches or changes a session's agent.
import { describe, expect, it } from "vitest";
import { fetchWorker } from "./frames.js";
import { ACCEPT, call, initialize, post, request } from "./mcp.js";

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
