// The transports of an agent's MCP client besides a POST's own reply: the
// legacy HTTP+SSE transport (asked for, and found by `auto`), and the
// standalone GET stream of Streamable HTTP, against servers built on the
// official TypeScript SDK's own server transports (tests/standin/mcp-sdk-peers.mjs).
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

const PEERS = inject("mcpSdkPeers");
const stub = (name) => env.McpClientProbe.get(env.McpClientProbe.idFromName(name));
const peersLog = async () => (await fetch(`${PEERS}/log`)).json();

async function open(name = uniqueName("transports")) {
  const client = await connect(`/agents/mcp-client-probe/${name}`);
  await client.handshake();
  await ok(client, "allowLoopback", [true]);
  return { client, name };
}

async function ok(client, method, args) {
  const reply = await client.call(method, args);
  if (!reply.success) throw new Error(`${method} failed: ${reply.error}`);
  return reply.result;
}

const text = (result) => result.content.map((c) => c.text).join("");

describe("the legacy HTTP+SSE transport", () => {
  it("connects when asked for, lists and calls tools, and hands log messages to the hook", async () => {
    const { client } = await open();
    const added = await ok(client, "addServer", ["legacy", `${PEERS}/sse`, "sse"]);
    expect(added).toMatchObject({ id: "legacy", transport: "sse", state: "ready", error: null });
    const tools = await ok(client, "listTools", ["legacy"]);
    expect(tools.map((t) => t.name)).toEqual(["echo", "log", "ask", "sample", "slow"]);
    expect(text(await ok(client, "callTool", ["legacy", "echo", { text: "over SSE" }]))).toBe("over SSE");
    expect(text(await ok(client, "callTool", ["legacy", "log", {}]))).toBe("logged");
    const logs = (await ok(client, "heard", [])).filter((h) => h.kind === "log");
    expect(logs).toEqual([{ kind: "log", server: "legacy", params: { level: "info", data: "from the sdk peer" } }]);
    // The server's elicitation comes on the stream; the hook's answer goes back by POST.
    const asked = JSON.parse(text(await ok(client, "callTool", ["legacy", "ask", {}])));
    expect(asked).toEqual({ action: "accept", content: { name: "Ada", email: "ada@example.com", tier: "gold" } });
    client.close();
  });

  it("answers concurrent calls each with its own response", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["legacy", `${PEERS}/sse`, "sse"]);
    const words = ["one", "two", "three", "four", "five"];
    const answers = await Promise.all(words.map((w) => ok(client, "callTool", ["legacy", "echo", { text: w }])));
    expect(answers.map(text)).toEqual(words);
    client.close();
  });

  it("answers a quick call while a slow one still waits on the same stream", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["legacy", `${PEERS}/sse`, "sse"]);
    const slow = ok(client, "callTool", ["legacy", "slow", { ms: 1500 }]).then(text);
    await new Promise((r) => setTimeout(r, 100)); // the slow call reads the stream first
    const quick = ok(client, "callTool", ["legacy", "echo", { text: "quick" }]).then(text);
    expect(await Promise.race([slow, quick])).toBe("quick");
    expect(await slow).toBe("slept 1500 ms");
    client.close();
  });

  it("is found by auto when the server refuses the Streamable HTTP POST", async () => {
    const { client } = await open();
    const added = await ok(client, "addServer", ["found", `${PEERS}/sse`]);
    expect(added).toMatchObject({ transport: "auto", state: "ready", error: null });
    expect(text(await ok(client, "callTool", ["found", "echo", { text: "auto" }]))).toBe("auto");
    client.close();
  });

  it("opens a new session after eviction, with no new add_server and the lists kept", async () => {
    const { client, name } = await open();
    await ok(client, "addServer", ["legacy", `${PEERS}/sse`]);
    client.close();
    const before = (await peersLog()).sseSessions;
    await evictDurableObject(stub(name));
    const again = await connect(`/agents/mcp-client-probe/${name}`);
    const { mcp } = await again.handshake();
    expect(mcp.mcp.servers.legacy.state).toBe("ready");
    expect(mcp.mcp.tools.map((t) => t.name)).toEqual(["echo", "log", "ask", "sample", "slow"]);
    expect(text(await ok(again, "callTool", ["legacy", "echo", { text: "again" }]))).toBe("again");
    expect((await peersLog()).sseSessions).toBe(before + 1);
    again.close();
  });

  it("refuses an endpoint event that names another origin, and says so", async () => {
    const { client } = await open();
    const added = await ok(client, "addServer", ["elsewhere", `${PEERS}/elsewhere/sse`, "sse"]);
    expect(added.state).toBe("failed");
    expect(added.error).toContain("the endpoint event names another origin (http://127.0.0.2:");
    client.close();
  });
});

describe("the standalone GET stream of Streamable HTTP", () => {
  it("carries a server's elicitation, unrelated to the call, to the hook while the call waits", async () => {
    const { client } = await open();
    const before = (await peersLog()).getStreams;
    await ok(client, "addServer", ["streamable", `${PEERS}/mcp`]);
    const asked = JSON.parse(text(await ok(client, "callTool", ["streamable", "ask", {}])));
    // The schema's default fills what the hook left out (SEP-1034).
    expect(asked).toEqual({ action: "accept", content: { name: "Ada", email: "ada@example.com", tier: "gold" } });
    const heard = (await ok(client, "heard", [])).filter((h) => h.kind === "elicitation");
    expect(heard.map((h) => [h.server, h.params.message])).toEqual([["streamable", "Who are you?"]]);
    expect((await peersLog()).getStreams).toBe(before + 1); // one stream, for the whole wake
    client.close();
  });

  it("carries a sampling request to the hook of an agent that declared sampling", async () => {
    const { client } = await open();
    await ok(client, "addServer", ["streamable", `${PEERS}/mcp`]);
    expect(text(await ok(client, "callTool", ["streamable", "sample", {}]))).toBe("probe-model: four");
    const [heard] = (await ok(client, "heard", [])).filter((h) => h.kind === "sampling");
    expect(heard.params).toMatchObject({ maxTokens: 10, messages: [{ role: "user", content: { text: "2 + 2?" } }] });
    client.close();
  });
});
