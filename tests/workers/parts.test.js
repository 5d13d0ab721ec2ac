// Capabilities as parts: each part creates its own tables, under its own
// schema version, only for agents that use it; and a database written by the
// release before parts (one `schema_version` for every table) keeps working.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";
import { initialize } from "./mcp.js";

const stubOf = (binding, name) => env[binding].get(env[binding].idFromName(name));

/** The framework's tables and recorded schema versions of one instance. */
function schemaOf(stub) {
  return runInDurableObject(stub, (_, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'cf_agents_%' ORDER BY name")
      .toArray()
      .map((r) => r.name);
    const versions = Object.fromEntries(
      sql.exec("SELECT key, value FROM cf_agents_meta ORDER BY key").toArray().map((r) => [r.key, r.value]),
    );
    return { tables, versions };
  });
}

async function wake(path) {
  const client = await connect(path);
  await client.handshake();
  return client;
}

describe("parts", () => {
  for (const [binding, segment] of [
    ["Probe", "probe"],
    ["Counter", "counter"],
  ]) {
    it(`gives an agent without MCP or AI (${binding}) only the state and schedule tables`, async () => {
      const name = uniqueName("parts");
      (await wake(`/agents/${segment}/${name}`)).close();
      expect(await schemaOf(stubOf(binding, name))).toEqual({
        tables: ["cf_agents_meta", "cf_agents_schedules", "cf_agents_state"],
        versions: { "schema.schedule": 1, "schema.state": 1 },
      });
    });
  }

  it("creates the AI table the first time an agent uses its conversations, not at wake", async () => {
    const name = uniqueName("parts");
    const client = await wake(`/agents/assistant/${name}`);
    const before = await schemaOf(stubOf("Assistant", name));
    expect(before.tables).not.toContain("cf_agents_ai_messages");
    expect(before.versions["schema.ai"]).toBeUndefined();
    expect((await client.call("history", [])).result).toEqual([]);
    const after = await schemaOf(stubOf("Assistant", name));
    expect(after.tables).toContain("cf_agents_ai_messages");
    expect(after.versions["schema.ai"]).toBe(1);
    client.close();
  });

  it("gives an MCP server's session instance the MCP tables", async () => {
    const { session } = await initialize("/mcp");
    const { tables, versions } = await schemaOf(stubOf("CounterMcp", `streamable-http:${session}`));
    expect(tables).toEqual(
      expect.arrayContaining(["cf_agents_mcp_events", "cf_agents_mcp_session", "cf_agents_mcp_subscriptions"]),
    );
    expect(tables).not.toContain("cf_agents_ai_messages");
    expect(versions["schema.mcp"]).toBe(5); // step 4: the user of an authenticated session; 5: their Auth
    // Its second migration: the prune of old events (whenever a stream opens) uses an index, not a scan.
    const plan = await runInDurableObject(stubOf("CounterMcp", `streamable-http:${session}`), (_, state) =>
      state.storage.sql
        .exec("EXPLAIN QUERY PLAN DELETE FROM cf_agents_mcp_events WHERE created_ms < ?", 0)
        .toArray()
        .map((r) => r.detail),
    );
    expect(plan.join(" | ")).toContain("USING INDEX cf_agents_mcp_events_created");
  });

  it("opens a database written by the release before parts, keeping its state and schedules", async () => {
    const name = uniqueName("legacy");
    const stub = stubOf("Probe", name);
    const client = await wake(`/agents/probe/${name}`);
    expect((await client.call("setCount", [41])).result).toBe(41);
    client.close();
    // Rewrite the meta table as that release left it: one version for all
    // tables, and every table of versions 3 to 5 (MCP, AI, the events index).
    await runInDurableObject(stub, (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DELETE FROM cf_agents_meta");
      sql.exec("INSERT INTO cf_agents_meta (key, value) VALUES ('schema_version', 5)");
      sql.exec(`CREATE TABLE cf_agents_mcp_session (id TEXT PRIMARY KEY, transport TEXT NOT NULL, status TEXT NOT NULL,
        protocol_version TEXT, client TEXT, log_level INTEGER NOT NULL, created_ms INTEGER NOT NULL)`);
      sql.exec(`CREATE TABLE cf_agents_mcp_events (stream TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
        created_ms INTEGER NOT NULL, PRIMARY KEY (stream, seq))`);
      sql.exec("CREATE TABLE cf_agents_mcp_subscriptions (uri TEXT PRIMARY KEY)");
      sql.exec(`CREATE TABLE cf_agents_ai_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        conversation TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
        created_ms INTEGER NOT NULL)`);
      sql.exec("CREATE INDEX cf_agents_mcp_events_created ON cf_agents_mcp_events (created_ms)");
      sql.exec(
        `INSERT INTO cf_agents_ai_messages (id, conversation, role, content, status, created_ms)
         VALUES ('m1', 'c', 'assistant', 'half', 'streaming', 0)`,
      );
    });
    await evictDurableObject(stub, { webSockets: "close" });

    const again = await connect(`/agents/probe/${name}`);
    expect((await again.handshake()).state.state.count).toBe(41);
    const { tables, versions } = await schemaOf(stub);
    expect(versions).toEqual({
      schema_version: 5,
      "schema.ai": 1,
      "schema.schedule": 1,
      "schema.state": 1,
    });
    expect(tables).toContain("cf_agents_ai_messages");
    // The AI part still marks a reply an earlier wake left streaming.
    const status = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec("SELECT status FROM cf_agents_ai_messages WHERE id = 'm1'").one().status,
    );
    expect(status).toBe("incomplete");
    expect((await again.call("setCount", [42])).result).toBe(42);
    again.close();
  });
});
