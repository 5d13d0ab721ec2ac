// An agent as the MCP client of the project's own MCP servers, all served by
// `wrangler dev`: the McpClientProbe fixture (driven through the official
// AgentClient) connects to the counter example at `/mcp` (Streamable HTTP)
// and `/sse` (legacy SSE, asked for and found by `auto`), and to the notes
// example at `/notes/mcp` and `/notes/sse`.
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";

const base = inject("baseUrl");
const client = clientsFor(new URL(base).host);

async function probe() {
  const c = client({ agent: "McpClientProbe", name: unique("own-servers") });
  await c.ready;
  await c.call("allowLoopback", [true]);
  return c;
}

const text = (result) => result.content.map((c) => c.text).join("");

for (const [label, counterPath, notesPath, transport] of [
  ["Streamable HTTP", "/mcp", "/notes/mcp", "streamable-http"],
  ["legacy SSE", "/sse", "/notes/sse", "sse"],
  ["auto (legacy SSE found after the POST is refused)", "/sse", "/notes/sse", "auto"],
]) {
  describe(`an agent using the project's servers over ${label}`, () => {
    it("the counter example: its tool keeps the session's count, its resource and prompt read it", async () => {
      const c = await probe();
      const added = await c.call("addServer", ["counter", `${base}${counterPath}`, transport]);
      expect(added).toMatchObject({ id: "counter", transport, state: "ready", error: null });
      expect((await c.call("listTools", ["counter"])).map((t) => t.name)).toEqual(["add"]);
      expect(text(await c.call("callTool", ["counter", "add", { a: 2 }]))).toBe("Added 2, total is now 3");
      expect(text(await c.call("callTool", ["counter", "add", { a: 4 }]))).toBe("Added 4, total is now 7");
      const [contents] = await c.call("readResource", ["counter", "mcp://resource/counter"]);
      expect(contents.text).toBe("7");
      const prompt = await c.call("getPrompt", ["counter", "explain", { style: "terse" }]);
      expect(prompt.messages[0].content.text).toBe("Explain in a terse style what a counter at 7 means.");
      // A tool the server does not have: its error, and the session goes on.
      await expect(c.call("callTool", ["counter", "missing", {}])).rejects.toThrow(/Unknown tool: missing/);
      expect(text(await c.call("callTool", ["counter", "add", { a: 1 }]))).toBe("Added 1, total is now 8");
      c.close();
    });

    it("the notes example: SQL-backed tools, a templated resource and a prompt", async () => {
      const c = await probe();
      expect((await c.call("addServer", ["notes", `${base}${notesPath}`, transport])).state).toBe("ready");
      const tools = (await c.call("listTools", ["notes"])).map((t) => t.name);
      expect(tools).toEqual(["create_note", "list_notes", "search_notes"]);
      const created = await c.call("callTool", ["notes", "create_note", { title: "Plan", body: "ship MCP" }]);
      expect(created.structuredContent).toEqual({ id: 1, title: "Plan", body: "ship MCP" });
      const found = await c.call("callTool", ["notes", "search_notes", { query: "MCP" }]);
      expect(found.structuredContent.notes).toHaveLength(1);
      const [note] = await c.call("readResource", ["notes", "notes://1"]);
      expect(note.text).toBe("# Plan\n\nship MCP");
      const prompt = await c.call("getPrompt", ["notes", "summarize_notes", { focus: "dates" }]);
      expect(prompt.messages[0].content.text).toContain("- Plan: ship MCP");
      c.close();
    });
  });
}
