// MCP servers' tools in the chat loop: McpClientProbe (a chat agent whose
// default turn offers its ready servers' tools, ChatTools::with_mcp, and a
// tool of its own named tool_sdk_greet) connected to the official SDK's
// example server and to the stand-in peer; the OpenAI-compatible stand-in
// model calls what a user message names with `call:[...]` and then echoes
// the tool results it was sent ("Tools said: <id>=<content> | ...").
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { chunks, collect, openChat, request, textOf, user } from "./chat.js";
import { fetchWorker, uniqueName } from "./frames.js";

const SDK = inject("mcpSdkServer");
const PEER = inject("mcpPeer");
const calls = (...list) => `call:${JSON.stringify(list.map(([name, args]) => ({ name, arguments: args })))}`;
const ofType = (frames, type) => chunks(frames).filter((c) => c.type === type);

async function ok(client, method, args) {
  const reply = await client.call(method, args);
  if (!reply.success) throw new Error(`${method} failed: ${reply.error}`);
  return reply.result;
}

async function modelRequests(marker) {
  const all = await (await fetch(env.OPENAI_BASE_URL.replace(/\/v1$/, "/requests"))).json();
  return all.map((r) => r.body).filter((b) => b.messages.some((m) => m.role === "user" && m.content.includes(marker)));
}

async function turn(client, id, text) {
  request(client, id, [user(`u-${id}`, text)]);
  const frames = await collect(client, id, 20_000);
  expect(frames.at(-1)).toMatchObject({ done: true });
  return frames;
}

describe("MCP servers' tools in the chat loop", () => {
  it("offers the ready servers' tools under their names with their schemas, never over the agent's own", async () => {
    const name = uniqueName("mcp-chat");
    const client = await openChat("mcp-client-probe", name);
    await ok(client, "allowLoopback", [true]);
    expect((await ok(client, "addServer", ["sdk", `${SDK}/mcp`])).state).toBe("ready");
    expect((await ok(client, "addServer", ["peer", `${PEER}/json/mcp`])).state).toBe("ready");
    expect((await ok(client, "addServer", ["down", `${PEER}/down/mcp`])).state).toBe("failed");

    const marker = `offer-${crypto.randomUUID()}`;
    await turn(client, "r1", `hello ${marker}`);
    const [sent] = await modelRequests(marker);
    const tools = Object.fromEntries(sent.tools.map((t) => [t.function.name, t.function]));
    for (const tool of Object.keys(tools)) expect(tool).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    // The agent's own tool keeps its name; the SDK's greet gets another one.
    expect(tools.tool_sdk_greet.description).toBe("The agent's own greeting");
    const greet = Object.values(tools).find((t) => t.description === "A simple greeting tool");
    expect(greet.name).toMatch(/^tool_sdk_greet_[0-9a-f]{8}$/);
    expect(greet.parameters.properties.name.type).toBe("string");
    expect(tools["tool_sdk_multi-greet"].description).toMatch(/different greetings/);
    expect(Object.keys(tools)).toEqual(expect.arrayContaining(["tool_peer_echo", "tool_peer_huge", "tool_peer_boom"]));
    expect(tools.tool_peer_echo.parameters).toEqual({ type: "object" });
    // A failed server offers nothing.
    expect(Object.keys(tools).filter((t) => t.startsWith("tool_down_"))).toEqual([]);
    client.close();
  });

  it("runs the model's calls on their servers: outputs and errors reach the model and the stored message", async () => {
    const name = uniqueName("mcp-chat");
    const client = await openChat("mcp-client-probe", name);
    await ok(client, "allowLoopback", [true]);
    await ok(client, "addServer", ["sdk", `${SDK}/mcp`]);
    await ok(client, "addServer", ["peer", `${PEER}/json/mcp`]);
    const marker = `names-${crypto.randomUUID()}`;
    await turn(client, "r0", `hello ${marker}`);
    const [sent] = await modelRequests(marker);
    const greet = sent.tools.find((t) => t.function.description === "A simple greeting tool").function.name;

    const before = (await (await fetch(`${PEER}/log`)).json()).methods.filter((m) => m === "tools/call").length;
    const frames = await turn(
      client,
      "r1",
      calls(
        ["tool_peer_echo", { text: "hi" }],
        ["tool_sdk_greet", { name: "Ada" }],
        [greet, { name: "Rust" }],
        ["tool_peer_boom", {}],
        ["tool_peer_huge", {}],
      ),
    );
    const after = (await (await fetch(`${PEER}/log`)).json()).methods.filter((m) => m === "tools/call").length;
    expect(after - before).toBe(3);

    const outputs = Object.fromEntries(ofType(frames, "tool-output-available").map((c) => [c.toolCallId, c.output]));
    const errors = Object.fromEntries(ofType(frames, "tool-output-error").map((c) => [c.toolCallId, c.errorText]));
    const ids = ofType(frames, "tool-input-available").map((c) => c.toolCallId);
    expect(ids).toHaveLength(5);
    const [echo, own, sdk, boom, huge] = ids;
    expect(outputs[echo]).toEqual({ content: [{ type: "text", text: 'echo: {"text":"hi"}' }] });
    expect(outputs[own]).toBe("the agent greets Ada");
    expect(outputs[sdk]).toEqual({ content: [{ type: "text", text: "Hello, Rust!" }] });
    expect(errors[boom]).toContain("boom: no such thing");
    expect(errors[huge]).toMatch(/too large/);

    // The model was sent every result, and echoed them.
    const text = textOf(frames);
    expect(text).toContain("Hello, Rust!");
    expect(text).toContain("the agent greets Ada");
    expect(text).toContain("boom: no such thing");

    // The stored message holds the same outputs.
    const stored = await (await fetchWorker(`/agents/mcp-client-probe/${name}/get-messages`)).json();
    const parts = stored.at(-1).parts.filter((p) => p.toolCallId);
    const part = (id) => parts.find((p) => p.toolCallId === id);
    expect(part(sdk)).toMatchObject({ state: "output-available", output: { content: [{ text: "Hello, Rust!" }] } });
    expect(part(boom)).toMatchObject({ state: "output-error" });
    expect(part(boom).errorText).toContain("boom: no such thing");
    client.close();
  });
});
