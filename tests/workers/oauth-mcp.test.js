// An MCP server behind the OAuth provider: no token gets the challenge that
// starts a client's login; a token's user and props reach the tools
// (`ctx.auth()`); a session belongs to the user who opened it.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readMessages } from "./mcp.js";
import { accessToken, BASE } from "./oauth.js";

const ACCEPT = "application/json, text/event-stream";
let id = 1;

function rpc(token, body, session) {
  return SELF.fetch(`${BASE}/secure/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: ACCEPT,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function open(token) {
  const res = await rpc(token, {
    jsonrpc: "2.0", id: id++, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });
  expect(res.status).toBe(200);
  const session = res.headers.get("mcp-session-id");
  await rpc(token, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  return session;
}

async function listTools(token, session) {
  const res = await rpc(token, { jsonrpc: "2.0", id: id++, method: "tools/list", params: {} }, session);
  expect(res.status).toBe(200);
  return (await readMessages(res)).at(-1).result.tools.map((t) => t.name);
}

async function callTool(token, session, name) {
  const res = await rpc(token, { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name, arguments: {} } }, session);
  if (res.status !== 200) return { status: res.status };
  return (await readMessages(res)).at(-1).result;
}

describe("OAuth-protected MCP server", () => {
  it("challenges a client without a token", async () => {
    const res = await rpc(null, { jsonrpc: "2.0", id: 1, method: "initialize", params: {} });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/secure/mcp"`);
  });

  it("tells tools who calls, and gates the admin tool on the props' permissions", async () => {
    const admin = await accessToken("admin");
    const session = await open(admin);
    expect(await listTools(admin, session)).toEqual(["whoami", "admin_action"]);
    expect((await callTool(admin, session, "whoami")).content[0].text).toBe("admin");
    expect(await callTool(admin, session, "admin_action")).toMatchObject({ isError: false, content: [{ text: "Admin action done" }] });

    const ada = await accessToken("ada");
    const own = await open(ada);
    expect((await callTool(ada, own, "whoami")).content[0].text).toBe("ada");
    // #[tool(requires = "admin")]: hidden from her list, and refused before it runs.
    expect(await listTools(ada, own)).toEqual(["whoami"]);
    expect(await callTool(ada, own, "admin_action")).toMatchObject({
      isError: true,
      content: [{ text: "Permission denied: requires admin" }],
    });
  });

  it("keeps a session to the user who opened it", async () => {
    const admin = await accessToken("admin");
    const session = await open(admin);
    const ada = await accessToken("ada");
    expect((await callTool(ada, session, "whoami")).status).toBe(404); // another user's session: not found
    expect((await callTool(admin, session, "whoami")).content[0].text).toBe("admin");
  });
});
