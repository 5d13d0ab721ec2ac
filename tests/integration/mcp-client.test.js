// The official MCP SDK client (@modelcontextprotocol/sdk) against the Rust MCP
// server agents, over Streamable HTTP and legacy SSE, served by `wrangler dev`.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";

const base = inject("baseUrl");
const open = [];

async function connect(path, Transport = StreamableHTTPClientTransport) {
  const client = new Client({ name: "integration", version: "1.0.0" });
  const transport = new Transport(new URL(path, base));
  await client.connect(transport);
  open.push(client);
  return { client, transport };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
});

const textOf = (result) => result.content.map((c) => c.text).join("");

for (const [label, Transport, counterPath, notesPath] of [
  ["Streamable HTTP", StreamableHTTPClientTransport, "/mcp", "/notes/mcp"],
  ["SSE", SSEClientTransport, "/sse", "/notes/sse"],
]) {
  describe(`official MCP client over ${label}`, () => {
    it("initializes and sees the server's name, version and capabilities", async () => {
      const { client } = await connect(counterPath, Transport);
      expect(client.getServerVersion()).toEqual({ name: "Demo", version: "1.0.0" });
      expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
      await client.ping();
    });

    it("lists and calls tools, reads resources and gets prompts; state persists within a session", async () => {
      const { client } = await connect(counterPath, Transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["add"]);
      expect(textOf(await client.callTool({ name: "add", arguments: { a: 2 } }))).toBe("Added 2, total is now 3");
      expect(textOf(await client.callTool({ name: "add", arguments: { a: 4 } }))).toBe("Added 4, total is now 7");
      const { contents } = await client.readResource({ uri: "mcp://resource/counter" });
      expect(contents[0].text).toBe("7");
      const { resources } = await client.listResources();
      expect(resources[0]).toMatchObject({ name: "counter", uri: "mcp://resource/counter" });
      const prompt = await client.getPrompt({ name: "explain", arguments: { style: "terse" } });
      expect(prompt.messages[0].content.text).toBe("Explain in a terse style what a counter at 7 means.");
    });

    it("keeps sessions apart", async () => {
      const one = (await connect(counterPath, Transport)).client;
      const two = (await connect(counterPath, Transport)).client;
      await one.callTool({ name: "add", arguments: { a: 10 } });
      const read = async (c) => (await c.readResource({ uri: "mcp://resource/counter" })).contents[0].text;
      expect(await read(one)).toBe("11");
      expect(await read(two)).toBe("1");
    });

    it("reports bad arguments as tool errors and unknown tools as protocol errors", async () => {
      const { client } = await connect(counterPath, Transport);
      const bad = await client.callTool({ name: "add", arguments: { a: "x" } });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toContain("arguments.a: expected integer");
      await expect(client.callTool({ name: "missing", arguments: {} })).rejects.toThrow(/Unknown tool: missing/);
    });

    it("example mcp-notes: SQL-backed tools, a resource template and a prompt", async () => {
      const { client } = await connect(notesPath, Transport);
      const created = await client.callTool({ name: "create_note", arguments: { title: "Plan", body: "ship MCP" } });
      expect(created.structuredContent).toEqual({ id: 1, title: "Plan", body: "ship MCP" });
      const found = await client.callTool({ name: "search_notes", arguments: { query: "MCP" } });
      expect(found.structuredContent.notes).toHaveLength(1);
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates[0].uriTemplate).toBe("notes://{id}");
      expect((await client.readResource({ uri: "notes://1" })).contents[0].text).toBe("# Plan\n\nship MCP");
      const prompt = await client.getPrompt({ name: "summarize_notes", arguments: { focus: "dates" } });
      expect(prompt.messages[0].content.text).toContain("- Plan: ship MCP");
    });
  });
}

describe("official MCP client, Streamable HTTP specifics", () => {
  it("receives progress notifications while a tool runs", async () => {
    const { client } = await connect("/probe/mcp");
    const seen = [];
    const result = await client.callTool({ name: "progress", arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(textOf(result)).toBe("done after 3 steps");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("terminates its session; the server then answers 404", async () => {
    const { client, transport } = await connect("/mcp");
    const session = transport.sessionId;
    expect(session).toMatch(/^[0-9a-f]{32}$/);
    await transport.terminateSession();
    const response = await fetch(new URL("/mcp", base), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": session },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(response.status).toBe(404);
    await client.close();
  });
});
