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

describe("sql types", () => {
  async function probe() {
    const client = await connect(`/agents/probe/${uniqueName("sqltypes")}`);
    await client.handshake();
    return client;
  }

  it("binds bool as 0 / 1 and decodes 0 / 1 rows back into bool", async () => {
    const client = await probe();
    const reply = await client.call("todos", [[true, false, true]]);
    expect(reply.error).toBeUndefined();
    expect(reply.result.map((t) => t.done)).toEqual([true, false, true]);
    client.close();
  });

  it("returns the stored row of INSERT … RETURNING", async () => {
    const client = await probe();
    expect((await client.call("returning", ["first"])).result).toEqual({ id: 1, title: "first", done: false });
    client.close();
  });

  it("undoes an INSERT … RETURNING whose row does not decode, and says which column", async () => {
    const client = await probe();
    const { result } = await client.call("returningWrongType");
    expect(result.error).toContain("row decoding: row 0: column `done`: invalid type: integer `1`, expected a string");
    expect(result.error).toContain("INSERT INTO todos");
    expect(result.stored).toBe(0);
    client.close();
  });

  it("keeps what a transaction wrote when it succeeds, and undoes it when it fails", async () => {
    const client = await probe();
    expect((await client.call("sqlTransaction", [true])).result).toEqual({ error: "changed my mind", stored: 0 });
    expect((await client.call("sqlTransaction", [false])).result).toEqual({ error: null, stored: 1 });
    client.close();
  });

  it("matches LIKE patterns literally with ESCAPE", async () => {
    const client = await probe();
    const titles = ["100% sure", "100 sure", "a_b", "axb", "back\\slash", "backslash"];
    expect((await client.call("searchTitles", [titles, "0%"])).result).toEqual(["100% sure"]);
    const again = await probe();
    expect((await again.call("searchTitles", [titles, "_"])).result).toEqual(["a_b"]);
    const third = await probe();
    expect((await third.call("searchTitles", [titles, "\\"])).result).toEqual(["back\\slash"]);
    for (const c of [client, again, third]) c.close();
  });
});
