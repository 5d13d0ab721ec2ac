// Agents as MCP clients (ctx.mcp_client(), through the McpClientProbe
// fixture): against the official TypeScript SDK's example Streamable HTTP
// server in Node (a real peer that is not ours) and a stand-in with faults
// (tests/standin/mcp-peer.mjs), both started by tests/setup/mcp-peers.js.
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

const SDK = inject("mcpSdkServer");
const PEER = inject("mcpPeer");
const stub = (name) => env.McpClientProbe.get(env.McpClientProbe.idFromName(name));
const peerLog = async () => (await fetch(`${PEER}/log`)).json();

async function open(name = uniqueName("client"), { loopback = true } = {}) {
  const client = await connect(`/agents/mcp-client-probe/${name}`);
  const { mcp } = await client.handshake();
  if (loopback) {
    expect((await client.call("allowLoopback", [true])).success).toBe(true);
  }
  return { client, name, mcp };
}

async function ok(client, method, args) {
  const reply = await client.call(method, args);
  if (!reply.success) throw new Error(`${method} failed: ${reply.error}`);
  return reply.result;
}

/** The next servers frame in which `match` holds. */
const serversFrame = (client, match) =>
  client.next((f) => f.type === "cf_agent_mcp_servers" && match(f.mcp), 10_000);

describe("an agent as a client of the official SDK's example server", () => {
  it("connects, lists its tools, resources and prompts, calls a tool, reads a resource, gets a prompt", async () => {
    const { client } = await open();
    const added = await ok(client, "addServer", ["SDK example", `${SDK}/mcp`, "streamable-http"]);
    expect(added).toEqual({
      id: "sdk-example",
      name: "SDK example",
      url: `${SDK}/mcp`,
      transport: "streamable-http",
      state: "ready",
      error: null,
    });
    const tools = await ok(client, "listTools", ["sdk-example"]);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["greet", "multi-greet"]));
    expect(tools.find((t) => t.name === "greet").inputSchema.properties.name.type).toBe("string");
    const greeting = await ok(client, "callTool", ["sdk-example", "greet", { name: "Rust" }]);
    expect(greeting).toEqual({ content: [{ type: "text", text: "Hello, Rust!" }], isError: false });
    const resources = await ok(client, "listResources", ["sdk-example"]);
    expect(resources.map((r) => r.uri)).toContain("https://example.com/greetings/default");
    const contents = await ok(client, "readResource", ["sdk-example", "https://example.com/greetings/default"]);
    expect(contents[0].uri).toBe("https://example.com/greetings/default");
    expect(contents[0].text).toMatch(/hello/i);
    const prompts = await ok(client, "listPrompts", ["sdk-example"]);
    expect(prompts.map((p) => p.name)).toContain("greeting-template");
    const prompt = await ok(client, "getPrompt", ["sdk-example", "greeting-template", { name: "Ada" }]);
    expect(prompt.messages[0].role).toBe("user");
    expect(prompt.messages[0].content.text).toContain("Ada");
    // A tool the server does not have: its answer, not a crash.
    const missing = await client.call("callTool", ["sdk-example", "no-such-tool", {}]);
    expect(missing.success ? missing.result.isError : missing.error).toBeTruthy();
    client.close();
  });

  it("shows the servers with their tools in cf_agent_mcp_servers, broadcast on change and sent on connect", async () => {
    const { client, name, mcp } = await open();
    expect(mcp).toEqual({ type: "cf_agent_mcp_servers", mcp: { servers: {}, tools: [], prompts: [], resources: [] } });
    const adding = client.call("addServer", ["sdk", `${SDK}/mcp`]);
    const connecting = await serversFrame(client, (m) => m.servers.sdk?.state === "connecting");
    expect(connecting.mcp.servers.sdk).toMatchObject({ name: "sdk", server_url: `${SDK}/mcp`, error: null });
    const ready = await serversFrame(client, (m) => m.servers.sdk?.state === "ready");
    expect((await adding).success).toBe(true);
    expect(ready.mcp.servers.sdk.capabilities.tools).toBeDefined();
    expect(ready.mcp.tools.find((t) => t.name === "greet")).toMatchObject({ serverId: "sdk" });
    expect(ready.mcp.prompts.map((p) => p.serverId)).toContain("sdk");
    expect(ready.mcp.resources.length).toBeGreaterThan(0);
    // A client connecting later gets the same at once.
    const later = await connect(`/agents/mcp-client-probe/${name}`);
    const { mcp: shown } = await later.handshake();
    expect(shown.mcp.servers.sdk.state).toBe("ready");
    expect(shown.mcp.tools.map((t) => t.name)).toEqual(ready.mcp.tools.map((t) => t.name));
    // Removal is broadcast too.
    expect(await ok(client, "removeServer", ["sdk"])).toBe(true);
    await serversFrame(later, (m) => Object.keys(m.servers).length === 0 && m.tools.length === 0);
    expect(await ok(client, "servers", [])).toEqual([]);
    client.close();
    later.close();
  });
});

describe("which servers an agent may reach", () => {
  it("refuses loopback by default, private ranges even when the agent allows loopback, and stores nothing", async () => {
    const { client } = await open(undefined, { loopback: false });
    const refused = await client.call("addServer", ["sdk", `${SDK}/mcp`]);
    expect(refused.error).toBe("refused: 127.0.0.1 is a loopback address");
    await ok(client, "allowLoopback", [true]);
    for (const url of ["http://10.0.0.1/mcp", "http://169.254.169.254/latest", "http://[fd00::1]/mcp"]) {
      const reply = await client.call("addServer", ["private", url]);
      expect(reply.error, url).toMatch(/^refused: .* is a private or reserved address$/);
    }
    for (const url of ["file:///etc/passwd", "http://user:pw@127.0.0.1:1/mcp", "not a url"]) {
      expect((await client.call("addServer", ["bad", url])).error, url).toMatch(/^refused: /);
    }
    expect(await ok(client, "servers", [])).toEqual([]);
    client.close();
  });
});

describe("faults of a server", () => {
  it("shows a server that fails, one that wants an OAuth login and one that is not there as failed, with why", async () => {
    const { client } = await open();
    const down = await ok(client, "addServer", ["down", `${PEER}/down/mcp`]);
    expect(down).toMatchObject({ state: "failed", error: "the MCP server answered HTTP 500: database on fire" });
    const secure = await ok(client, "addServer", ["secure", `${PEER}/secure/mcp`]);
    expect(secure.state).toBe("failed");
    expect(secure.error).toBe(
      "the OAuth login to the MCP server failed: the server requires a login, and it was added without a callback host (McpServerOptions::callback_host), so there is no redirect URI",
    );
    // A redirect is not followed (it could lead to a host the URL check refuses): the server fails, saying so.
    const moved = await ok(client, "addServer", ["moved", `${PEER}/redirect/mcp`]);
    expect(moved).toMatchObject({
      state: "failed",
      error: "the MCP server answered HTTP 307: the server answered with a redirect, which an MCP client does not follow",
    });
    await ok(client, "removeServer", ["moved"]);
    const gone = await ok(client, "addServer", ["gone", "http://127.0.0.1:1/mcp"]);
    expect(gone.state).toBe("failed");
    expect(gone.error).toMatch(/^the MCP server could not be reached/);
    const listed = await ok(client, "servers", []);
    expect(listed.map((s) => [s.id, s.state])).toEqual([["down", "failed"], ["secure", "failed"], ["gone", "failed"]]);
    // Using a failed server tries again, and says why it still fails.
    expect((await client.call("callTool", ["down", "x", {}])).error).toBe(
      "the MCP server answered HTTP 500: database on fire",
    );
    expect((await client.call("callTool", ["nobody", "x", {}])).error).toBe('no MCP server with id "nobody"');
    client.close();
  });

  it("pages lists, reports JSON-RPC errors, and refuses replies over the limits without losing the session", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["json", `${PEER}/json/mcp`]);
    expect((await ok(client, "listTools", ["json"])).map((t) => t.name)).toEqual(["echo", "huge", "boom"]);
    const boom = await client.call("callTool", ["json", "boom", {}]);
    expect(boom.error).toBe("the MCP server answered error -32602: boom: no such thing");
    const huge = await client.call("callTool", ["json", "huge", {}]);
    expect(huge.error).toBe(`the MCP server's reply is too large: the reply is over ${4 * 1024 * 1024} bytes`);
    const echo = await ok(client, "callTool", ["json", "echo", { a: 1 }]);
    expect(echo.content[0].text).toBe('echo: {"a":1}');
    // The same id for another URL or name is refused; the same server again is the one there.
    const clash = await client.call("addServer", ["json", `${PEER}/events/mcp`]);
    expect(clash.error).toBe(`an MCP server with id "json" already exists ("json" at ${PEER}/json/mcp): remove it first`);
    expect((await client.call("addServer", ["JSON", `${PEER}/json/mcp`])).error).toMatch(/already exists/);
    expect((await ok(client, "addServer", ["json", `${PEER}/json/mcp`])).state).toBe("ready");

    await ok(client, "addServer", ["events", `${PEER}/events/mcp`]);
    expect((await ok(client, "callTool", ["events", "echo", {}])).content[0].text).toBe("echo over events");
    const flood = await client.call("callTool", ["events", "flood", {}]);
    expect(flood.error).toBe("the MCP server's reply is too large: the reply sent over 1000 events");
    const big = await client.call("callTool", ["events", "big-event", {}]);
    expect(big.error).toMatch(/^the MCP server's reply is too large: /);
    expect((await ok(client, "servers", [])).map((s) => s.state)).toEqual(["ready", "ready"]);
    client.close();
  });

  it("stops listing once a list passes MAX_LISTED_BYTES (4 MiB), however many pages the server offers", async () => {
    const { client } = await open();
    const before = (await peerLog()).methods.filter((m) => m === "tools/list").length;
    expect((await ok(client, "addServer", ["wide", `${PEER}/wide/mcp`])).state).toBe("ready");
    // 20 pages of 3 tools of 300 KB were offered: the fifth page passes 4 MiB, and no more is asked.
    const asked = (await peerLog()).methods.filter((m) => m === "tools/list").length - before;
    expect(asked).toBe(5);
    const tools = await ok(client, "listTools", ["wide"]);
    expect(tools.map((t) => t.name).slice(-3)).toEqual(["t4_0", "t4_1", "t4_2"]);
    expect(tools).toHaveLength(15);
    client.close();
  });
});

describe("connections across eviction", () => {
  it("lists the servers at once and takes the stored session up again on first use, re-initializing once after a 404", async () => {
    const { client, name } = await open();
    await ok(client, "addServer", ["json", `${PEER}/json/mcp`]);
    await ok(client, "callTool", ["json", "echo", { n: 1 }]);
    client.close();
    const before = await peerLog();

    await evictDurableObject(stub(name));
    const again = await connect(`/agents/mcp-client-probe/${name}`);
    const { mcp } = await again.handshake();
    expect(mcp.mcp.servers.json.state).toBe("ready");
    expect(mcp.mcp.tools.map((t) => t.name)).toEqual(["echo", "huge", "boom"]);
    const echo = await ok(again, "callTool", ["json", "echo", { n: 2 }]);
    expect(echo.content[0].text).toBe('echo: {"n":2}');
    expect((await peerLog()).initialized).toBe(before.initialized); // the same session, no new add_server

    // The server forgets its sessions: the next call gets 404 and opens a new one, once.
    await fetch(`${PEER}/forget`, { method: "POST" });
    const after = await ok(again, "callTool", ["json", "echo", { n: 3 }]);
    expect(after.content[0].text).toBe('echo: {"n":3}');
    expect((await peerLog()).initialized).toBe(before.initialized + 1);
    again.close();
  });

  it("ends the session with DELETE when a server is removed", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["json", `${PEER}/json/mcp`]);
    const before = (await peerLog()).deleted.length;
    expect(await ok(client, "removeServer", ["json"])).toBe(true);
    const deleted = (await peerLog()).deleted;
    expect(deleted.length).toBe(before + 1);
    expect(deleted.at(-1)).toMatch(/^s-\d+$/);
    expect(await ok(client, "removeServer", ["json"])).toBe(false);
    client.close();
  });
});

describe("a server that goes away", () => {
  it("is shown failed and tried again by itself, with no call, until it is back", async () => {
    await fetch(`${PEER}/flaky?up=0`, { method: "POST" });
    const { client } = await open();
    const added = await ok(client, "addServer", ["flaky", `${PEER}/flaky/mcp`]);
    expect(added).toMatchObject({ state: "failed", error: "the MCP server answered HTTP 503: down for now" });
    await fetch(`${PEER}/flaky?up=1`, { method: "POST" });
    // The first try is due 2 s after the failure; nothing is asked of the agent meanwhile.
    const back = await serversFrame(client, (m) => m.servers.flaky?.state === "ready");
    expect(back.mcp.tools.map((t) => t.name)).toEqual(["echo", "huge", "boom"]);
    expect((await ok(client, "servers", []))[0]).toMatchObject({ id: "flaky", state: "ready", error: null });
    client.close();
  });
});

describe("uses that come together", () => {
  it("connect once: the first use opens the session, the others wait for it and take it", async () => {
    await fetch(`${PEER}/flaky?up=0`, { method: "POST" });
    const { client } = await open();
    expect((await ok(client, "addServer", ["together", `${PEER}/flaky/mcp`])).state).toBe("failed");
    await fetch(`${PEER}/flaky?up=1`, { method: "POST" });
    const before = (await peerLog()).initialized;
    // Each use of a failed server connects it again: three at once make one session.
    const calls = [1, 2, 3].map((n) => ok(client, "callTool", ["together", "echo", { n }]));
    const texts = (await Promise.all(calls)).map((r) => r.content[0].text);
    expect(texts).toEqual(['echo: {"n":1}', 'echo: {"n":2}', 'echo: {"n":3}']);
    expect((await peerLog()).initialized).toBe(before + 1);
    client.close();
  });
});

describe("what a server sends besides its responses", () => {
  it("asks the agent's elicitation hook for a tool of the official SDK's server and POSTs its answer back", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["sdk", `${SDK}/mcp`]);
    const result = await ok(client, "callTool", ["sdk", "collect-user-info", { infoType: "contact" }]);
    expect(result.isError).toBe(false);
    expect(result.content[0].text).toContain("Collected contact information");
    expect(result.content[0].text).toContain("ada@example.com");
    const [asked] = (await ok(client, "heard", [])).filter((h) => h.kind === "elicitation");
    expect(asked.server).toBe("sdk");
    expect(asked.params.message).toBe("Please provide your contact information");
    expect(asked.params.requestedSchema.required).toEqual(["name", "email"]);
    client.close();
  });

  it("answers ping, hands sampling to its hook, refuses what the agent does not take, and the stream goes on to the response", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["events", `${PEER}/events/mcp`]);
    const result = await ok(client, "callTool", ["events", "ask", {}]);
    const answers = JSON.parse(result.content[0].text);
    expect(answers["p-1"]).toEqual({});
    expect(answers["e-1"]).toEqual({ action: "accept", content: { name: "Ada", email: "ada@example.com" } });
    expect(answers["s-1"]).toEqual({
      role: "assistant",
      content: { type: "text", text: "four" },
      model: "probe-model",
      stopReason: "endTurn",
    });
    expect(answers["r-1"]).toEqual({ error: { code: -32601, message: "this agent does not support roots/list" } });
    client.close();
  });

  it("lists tools again on tools/list_changed (stored and broadcast) and hands log messages to on_mcp_log", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["events", `${PEER}/events/mcp`]);
    expect((await ok(client, "listTools", ["events"])).map((t) => t.name)).toEqual(["echo", "huge", "boom"]);
    const changed = serversFrame(client, (m) => m.tools.some((t) => t.name === "added"));
    expect((await ok(client, "callTool", ["events", "change", {}])).content[0].text).toBe("changed");
    const frame = await changed;
    expect(frame.mcp.tools.map((t) => t.name)).toEqual(["echo", "huge", "boom", "added"]);
    const logs = (await ok(client, "heard", [])).filter((h) => h.kind === "log");
    expect(logs).toEqual([{ kind: "log", server: "events", params: { level: "warning", logger: "peer", data: "tools changed" } }]);
    // The `echo` tool's info notification reaches the hook too.
    await ok(client, "callTool", ["events", "echo", {}]);
    const more = (await ok(client, "heard", [])).filter((h) => h.kind === "log");
    expect(more.at(-1).params).toEqual({ level: "info", data: "hi" });
    client.close();
  });
});
