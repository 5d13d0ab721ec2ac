// A stored state that no longer decodes into the agent's state type (written
// by an older struct) never bricks the agent: its migrate hook upgrades it
// and the state version is recorded beside the rows; without a hook, clients
// get an error frame in place of the state, everything that does not read
// the state keeps working, and nothing stored is lost.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";

const stubOf = (binding, name) => env[binding].get(env[binding].idFromName(name));

/** The state's rows and its recorded version (`undefined`: none recorded). */
function storedOf(stub) {
  return runInDurableObject(stub, (_, state) => {
    const sql = state.storage.sql;
    const rows = sql.exec("SELECT chunk, data FROM cf_agents_state ORDER BY chunk").toArray();
    const version = sql.exec("SELECT value FROM cf_agents_meta WHERE key = 'state.version'").toArray()[0]?.value;
    return { rows: rows.map((r) => ({ ...r })), version };
  });
}

/**
 * Stores `json` as the state, as a release whose state type differed left
 * it: one row, and `version` recorded (none: a release before versions),
 * then evicts the instance so that nothing of it is cached.
 */
async function storeOld(stub, json, version) {
  await runInDurableObject(stub, (_, state) => {
    const sql = state.storage.sql;
    sql.exec("DELETE FROM cf_agents_state");
    sql.exec("INSERT INTO cf_agents_state (chunk, data) VALUES (0, ?)", json);
    sql.exec("DELETE FROM cf_agents_meta WHERE key = 'state.version'");
    if (version !== undefined) sql.exec("INSERT INTO cf_agents_meta (key, value) VALUES ('state.version', ?)", version);
  });
  await evictDurableObject(stub, { webSockets: "close" });
}

/** Wakes an instance through `on_request` (which does not read the state), creating its tables. */
async function wake(path) {
  const response = await fetchWorker(path);
  await response.text(); // an unread body keeps the request open
  expect(response.status).toBe(200);
}

/** The connect frames of an agent whose stored state does not decode. */
async function brokenHandshake(client) {
  const identity = await client.next();
  const error = await client.next();
  const mcp = await client.next();
  return { identity, error, mcp };
}

const DOES_NOT_DECODE = /stored state of strict\/[\w-]+ does not decode/;

describe("a stored state that does not decode, without a migrate hook", () => {
  it("keeps RPC, SQL, schedules and on_request working, tells clients, and keeps the rows", async () => {
    const name = uniqueName("strict");
    const stub = stubOf("Strict", name);
    await wake(`/agents/strict/${name}/notes`);
    await storeOld(stub, '{"total":3}');

    const client = await connect(`/agents/strict/${name}`);
    const { identity, error, mcp } = await brokenHandshake(client);
    expect(identity).toEqual({ type: "cf_agent_identity", name, agent: "strict" });
    expect(error.type).toBe("cf_agent_state_error");
    expect(error.error).toMatch(DOES_NOT_DECODE);
    expect(error.error).toContain("missing field `count`");
    expect(mcp.type).toBe("cf_agent_mcp_servers");

    expect((await client.call("echo", ["hi"])).result).toBe("hi");
    expect((await client.call("note", ["by rpc"])).result).toBe(1);
    for (const method of ["count", "bump"]) {
      const reply = await client.call(method, []);
      expect(reply.success).toBe(false);
      expect(reply.error).toMatch(DOES_NOT_DECODE);
    }
    expect((await client.call("scheduleNote", ["by schedule"])).success).toBe(true);
    await runDurableObjectAlarm(stub); // the alarm may already have run by itself
    const notes = await fetchWorker(`/agents/strict/${name}/notes`);
    expect(notes.status).toBe(200);
    expect(await notes.json()).toEqual({ notes: ["by rpc", "by schedule"] });
    const state = await fetchWorker(`/agents/strict/${name}/state`);
    expect(state.status).toBe(500);
    // on_request's error is an internal one there: logged, and referenced in the answer.
    expect(await state.text()).toMatch(/^Internal error \(ref [0-9a-f]{8}\)$/);

    expect(await storedOf(stub)).toEqual({ rows: [{ chunk: 0, data: '{"total":3}' }], version: undefined });
    client.close();
  });

  it("refuses a client's state, and lets the agent's set_state replace the stored one", async () => {
    const name = uniqueName("strict");
    const stub = stubOf("Strict", name);
    await wake(`/agents/strict/${name}/notes`);
    await storeOld(stub, '{"total":3}');
    const a = await connect(`/agents/strict/${name}`);
    const b = await connect(`/agents/strict/${name}`);
    await brokenHandshake(a);
    await brokenHandshake(b);

    a.send({ type: "cf_agent_state", state: { count: 1, label: "from a client" } });
    expect((await a.ofType("cf_agent_state_error")).error).toMatch(DOES_NOT_DECODE);
    expect((await a.call("echo", [null])).success).toBe(true); // frames are handled in order
    expect(await b.pending("cf_agent_state")).toEqual([]);
    expect((await storedOf(stub)).rows).toEqual([{ chunk: 0, data: '{"total":3}' }]);

    expect((await b.call("reset", [7, "fresh"])).result).toBe(7);
    for (const client of [a, b]) {
      expect((await client.ofType("cf_agent_state")).state).toEqual({ count: 7, label: "fresh" });
    }
    expect((await a.call("bump", [])).result).toBe(8);
    const c = await connect(`/agents/strict/${name}`);
    expect((await c.handshake()).state.state).toEqual({ count: 8, label: "fresh" });
    // An agent at STATE_VERSION 1 records no version: none recorded means 1.
    expect(await storedOf(stub)).toEqual({ rows: [{ chunk: 0, data: '{"count":8,"label":"fresh"}' }], version: undefined });
    for (const client of [a, b, c]) client.close();
  });
});

describe("a stored state of an older version, with a migrate hook", () => {
  const migrationsOf = async (name) => (await (await fetchWorker(`/agents/profiles/${name}/migrations`)).json()).from;

  it("upgrades a state stored by a release before state versions, once, and records the version", async () => {
    const name = uniqueName("profiles");
    const stub = stubOf("Profiles", name);
    await wake(`/agents/profiles/${name}/migrations`);
    await storeOld(stub, '{"title":"Ada","tag":"math"}');

    const client = await connect(`/agents/profiles/${name}`);
    expect((await client.handshake()).state.state).toEqual({ name: "Ada", tags: ["math"] });
    expect(await migrationsOf(name)).toEqual([1]);
    expect(await storedOf(stub)).toEqual({ rows: [{ chunk: 0, data: '{"name":"Ada","tags":["math"]}' }], version: 2 });
    client.close();

    await evictDurableObject(stub, { webSockets: "close" });
    const again = await connect(`/agents/profiles/${name}`);
    expect((await again.handshake()).state.state).toEqual({ name: "Ada", tags: ["math"] });
    expect((await again.call("tag", ["logic"])).result).toEqual({ name: "Ada", tags: ["math", "logic"] });
    expect(await migrationsOf(name)).toEqual([1]);
    again.close();
  });

  it("upgrades it on the first read, whatever reads it (a call from another agent that updates it)", async () => {
    const name = uniqueName("profiles");
    const stub = stubOf("Profiles", name);
    await wake(`/agents/profiles/${name}/migrations`);
    await storeOld(stub, '{"title":"Grace","tag":null}', 1);
    const internal = await stub.fetch("https://agent/__agents/rpc", {
      method: "POST",
      headers: { "x-agents-rpc": "1", "content-type": "application/json" },
      body: JSON.stringify({ method: "tag", args: ["navy"] }),
    });
    expect(await internal.json()).toEqual({ result: { name: "Grace", tags: ["navy"] } });
    expect(await migrationsOf(name)).toEqual([1]);
    expect(await storedOf(stub)).toEqual({ rows: [{ chunk: 0, data: '{"name":"Grace","tags":["navy"]}' }], version: 2 });
  });

  it("records the version with a new instance's first state, so that it is never migrated", async () => {
    const name = uniqueName("profiles");
    const stub = stubOf("Profiles", name);
    const client = await connect(`/agents/profiles/${name}`);
    expect((await client.handshake()).state.state).toEqual({ name: "anonymous", tags: [] });
    client.close();
    expect(await storedOf(stub)).toEqual({ rows: [{ chunk: 0, data: '{"name":"anonymous","tags":[]}' }], version: 2 });
    await evictDurableObject(stub, { webSockets: "close" });
    const again = await connect(`/agents/profiles/${name}`);
    expect((await again.handshake()).state.state).toEqual({ name: "anonymous", tags: [] });
    expect(await migrationsOf(name)).toEqual([]);
    again.close();
  });

  it("hands the hook a state of the current version that does not decode, and keeps it when the hook fails", async () => {
    const name = uniqueName("profiles");
    const stub = stubOf("Profiles", name);
    await wake(`/agents/profiles/${name}/migrations`);
    await storeOld(stub, '{"name":5}', 2);
    const client = await connect(`/agents/profiles/${name}`);
    const identity = await client.next();
    expect(identity.stateFollows).toBeUndefined();
    const error = await client.ofType("cf_agent_state_error");
    expect(error.error).toMatch(/stored state of profiles\/[\w-]+ does not decode/);
    expect(error.error).toContain("no migration from version 2");
    expect((await client.call("profile", [])).error).toBe(error.error);
    expect(await migrationsOf(name)).toEqual([2]); // once in the wake, however often the state is read
    expect(await storedOf(stub)).toEqual({ rows: [{ chunk: 0, data: '{"name":5}' }], version: 2 });
    client.close();
  });
});
