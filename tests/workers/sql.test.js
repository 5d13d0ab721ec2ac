import { describe, expect, it, vi } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";

describe("sql", () => {
  it("stores rows with bound parameters and reads them back typed", async () => {
    const client = await connect(`/agents/probe/${uniqueName("sql")}`);
    await client.handshake();
    const tricky = "Robert'); DROP TABLE rows;--";
    expect((await client.call("insertRows", [["a", tricky, "a"]])).result).toBe(3);
    expect((await client.call("rows", ["a"])).result).toEqual([
      { id: 1, label: "a", score: 0 },
      { id: 3, label: "a", score: 1 },
    ]);
    expect((await client.call("rows", [tricky])).result).toEqual([{ id: 2, label: tricky, score: 0.5 }]);
    client.close();
  });

  it("names the failing query in errors", async () => {
    const client = await connect(`/agents/probe/${uniqueName("sql")}`);
    await client.handshake();
    const logged = vi.spyOn(console, "error");
    const reply = await client.call("badSql");
    expect(reply.success).toBe(false);
    // The caller is not told the SQL: it gets a reference to the log line, which has it.
    const [, reference] = /^Internal error \(ref ([0-9a-f]{8})\)$/.exec(reply.error);
    const line = logged.mock.calls.map((args) => args.join(" ")).find((l) => l.includes(`ref ${reference}`));
    logged.mockRestore();
    expect(line).toContain("method badSql");
    expect(line).toContain("no such table: no_such_table");
    expect(line).toContain("(query: INSERT INTO no_such_table (x) VALUES (?))");
    client.close();
  });

  it("reports rows that do not match the Rust type", async () => {
    const client = await connect(`/agents/probe/${uniqueName("sql")}`);
    await client.handshake();
    const reply = await client.call("wrongRowType");
    expect(reply.success).toBe(false);
    expect(reply.error).toMatch(/^Internal error \(ref [0-9a-f]{8}\)$/);
    client.close();
  });

  it("reports SQL errors over HTTP with the query", async () => {
    const response = await fetchWorker(`/agents/probe/${uniqueName("sql")}/sql-error`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("SELECT * FROM missing_table WHERE x = ?");
  });
});
