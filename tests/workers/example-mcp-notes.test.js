// The mcp-notes example (examples/mcp-notes), served by the fixture worker.
import { describe, expect, it } from "vitest";
import { call, initialize } from "./mcp.js";

describe("example: mcp-notes", () => {
  it("lists tools, resources, templates and prompts as declared", async () => {
    const { session } = await initialize("/notes/mcp");
    const tools = (await call("/notes/mcp", session, "tools/list")).result.tools;
    expect(tools.map((t) => t.name)).toEqual(["create_note", "list_notes", "search_notes"]);
    expect(tools[0].inputSchema.required).toEqual(["title", "body"]);
    const templates = (await call("/notes/mcp", session, "resources/templates/list")).result.resourceTemplates;
    expect(templates).toEqual([
      { name: "note", uriTemplate: "notes://{id}", description: "One note as Markdown", mimeType: "text/markdown" },
    ]);
    expect((await call("/notes/mcp", session, "resources/list")).result.resources).toEqual([]);
    const prompts = (await call("/notes/mcp", session, "prompts/list")).result.prompts;
    expect(prompts[0].arguments).toEqual([{ name: "focus", description: "What to focus on", required: true }]);
  });

  it("stores notes in SQL and reads them through the resource template", async () => {
    const { session } = await initialize("/notes/mcp");
    const created = await call("/notes/mcp", session, "tools/call", {
      name: "create_note",
      arguments: { title: "Milk", body: "buy 100% oat" },
    });
    expect(created.result.structuredContent).toEqual({ id: 1, title: "Milk", body: "buy 100% oat" });
    await call("/notes/mcp", session, "tools/call", { name: "create_note", arguments: { title: "Tax", body: "file" } });
    const found = await call("/notes/mcp", session, "tools/call", { name: "search_notes", arguments: { query: "%" } });
    expect(found.result.structuredContent.notes.map((n) => n.title)).toEqual(["Milk"]);
    const note = await call("/notes/mcp", session, "resources/read", { uri: "notes://2" });
    expect(note.result.contents[0].text).toBe("# Tax\n\nfile");
    const missing = await call("/notes/mcp", session, "resources/read", { uri: "notes://9" });
    expect(missing.error).toMatchObject({ code: -32603, message: "Reading notes://9 failed: no note 9" });
    const unknown = await call("/notes/mcp", session, "resources/read", { uri: "other://1" });
    expect(unknown.error).toMatchObject({ code: -32002, data: { uri: "other://1" } });
    const noFocus = await call("/notes/mcp", session, "prompts/get", { name: "summarize_notes" });
    expect(noFocus.error).toMatchObject({ code: -32602, message: "Missing required argument focus for prompt summarize_notes" });
  });
});

describe("example: mcp-notes, its inputs bounded", () => {
  const tool = (session, name, args) => call("/notes/mcp", session, "tools/call", { name, arguments: args });
  const errorText = (reply) => (reply.result.isError ? reply.result.content[0].text : `not an error: ${JSON.stringify(reply)}`);

  it("names the limits of titles, bodies, queries and the prompt's focus", async () => {
    const { session } = await initialize("/notes/mcp");
    expect(errorText(await tool(session, "create_note", { title: "t".repeat(201), body: "b" }))).toContain(
      "at most 200 characters",
    );
    expect(errorText(await tool(session, "create_note", { title: "t", body: "b".repeat(4001) }))).toContain(
      "at most 4000 characters",
    );
    expect(errorText(await tool(session, "search_notes", { query: "q".repeat(201) }))).toContain("at most 200 characters");
    const focus = await call("/notes/mcp", session, "prompts/get", { name: "summarize_notes", arguments: { focus: "f".repeat(201) } });
    expect(focus.error.message).toContain("at most 200 characters");
    const listed = await tool(session, "list_notes", {});
    expect(listed.result.structuredContent.notes).toEqual([]);
  });

  it("keeps at most 100 notes per session", async () => {
    const { session } = await initialize("/notes/mcp");
    for (let i = 0; i < 100; i++) {
      expect((await tool(session, "create_note", { title: `n${i}`, body: "" })).result.isError, `note ${i}`).toBeFalsy();
    }
    expect(errorText(await tool(session, "create_note", { title: "one too many", body: "" }))).toContain("at most 100 notes");
  });
});
