// An MCP server behind the OAuth provider: no token gets the challenge that
// starts a client's login; a token's user and props reach the tools
// (`ctx.auth()`); a session belongs to the user who opened it.
import { evictDurableObject, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";
import { readMessages } from "./mcp.js";
import { accessToken, BASE } from "./oauth.js";

const ACCEPT = "application/json, text/event-stream";
let id = 1;

function rpc(token, body, session, path = "/secure/mcp") {
  return SELF.fetch(`${BASE}${path}`, {
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

async function open(token, path) {
  const res = await rpc(token, {
    jsonrpc: "2.0", id: id++, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  }, undefined, path);
  expect(res.status).toBe(200);
  await res.text(); // an unread body keeps the request open (and the instance from being evicted)
  const session = res.headers.get("mcp-session-id");
  await (await rpc(token, { jsonrpc: "2.0", method: "notifications/initialized" }, session, path)).text();
  return session;
}

async function listTools(token, session) {
  const res = await rpc(token, { jsonrpc: "2.0", id: id++, method: "tools/list", params: {} }, session);
  expect(res.status).toBe(200);
  return (await readMessages(res)).at(-1).result.tools.map((t) => t.name);
}

async function callTool(token, session, name, args = {}, path = undefined) {
  const res = await rpc(token, { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name, arguments: args } }, session, path);
  if (res.status !== 200) return { status: res.status };
  const reply = (await readMessages(res)).at(-1);
  return reply.result ?? reply;
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

  it("gives the session's user and props to the work its alarm runs, after eviction too", async () => {
    const path = "/secure/probe/mcp";
    const admin = await accessToken("admin");
    const session = await open(admin, path);
    const report = uniqueName("later");
    expect((await callTool(admin, session, "laterReport", { report }, path)).content[0].text).toBe("scheduled");
    // The instance goes away; once the task is due, its alarm wakes it with no request.
    const instance = env.McpProbe.get(env.McpProbe.idFromName(`streamable-http:${session}`));
    await evictDurableObject(instance);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runDurableObjectAlarm(instance);
    const probe = await connect(`/agents/probe/${report}`);
    await probe.handshake();
    expect((await probe.call("rows", ['admin:"admin"'])).result).toHaveLength(1);
    expect((await probe.call("rows", ["nobody"])).result).toEqual([]);
    probe.close();
  });
});
