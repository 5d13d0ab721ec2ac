import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";

const probeStub = (name) => env.Probe.get(env.Probe.idFromName(name));
const httpState = async (name) => (await (await fetchWorker(`/agents/probe/${name}/state`)).json()).state;

describe("state", () => {
  it("syncs a client's state to other clients, not back to the sender, and persists it", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}?_pk=a`);
    const b = await connect(`/agents/probe/${name}?_pk=b`);
    await a.handshake();
    await b.handshake();
    a.send({ type: "cf_agent_state", state: { count: 3, items: ["x"], blob: "" } });
    expect((await b.ofType("cf_agent_state")).state).toEqual({ count: 3, items: ["x"], blob: "" });
    expect(await a.pending("cf_agent_state")).toEqual([]);
    expect(await httpState(name)).toEqual({ count: 3, items: ["x"], blob: "" });
    a.close();
    b.close();
  });

  it("pushes server-side changes to every client, the caller included", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}`);
    const b = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await b.handshake();
    expect((await a.call("setCount", [9])).result).toBe(9);
    expect((await a.ofType("cf_agent_state")).state.count).toBe(9);
    expect((await b.ofType("cf_agent_state")).state.count).toBe(9);
    a.close();
    b.close();
  });

  it("gives a new client the current state on connect", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await a.call("setCount", [5]);
    const b = await connect(`/agents/probe/${name}`);
    expect((await b.handshake()).state.state.count).toBe(5);
    a.close();
    b.close();
  });

  it("records the source of every change", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}?_pk=writer`);
    await a.handshake();
    await a.call("setCount", [1]);
    a.send({ type: "cf_agent_state", state: { count: 2, items: [] } });
    await a.call("echo", [null]); // frames are handled in order
    const log = await (await fetchWorker(`/agents/probe/${name}/state-log`)).json();
    expect(log).toEqual([
      { source: "server", count: 1 },
      { source: "writer", count: 2 },
    ]);
    a.close();
  });

  it("refuses a state that fails validation, then re-sends the authoritative state", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}`);
    const b = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await b.handshake();
    await a.call("setCount", [2]);
    await a.ofType("cf_agent_state");
    await b.ofType("cf_agent_state");
    a.send({ type: "cf_agent_state", state: { count: -1, items: [] } });
    expect(await a.ofType("cf_agent_state_error")).toEqual({ type: "cf_agent_state_error", error: "State update rejected" });
    expect((await a.ofType("cf_agent_state")).state.count).toBe(2);
    expect(await b.pending("cf_agent_state")).toEqual([]);
    expect((await httpState(name)).count).toBe(2);
    a.close();
    b.close();
  });

  it("refuses a state of the wrong shape", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    a.send({ type: "cf_agent_state", state: { count: "three", items: [] } });
    expect((await a.ofType("cf_agent_state_error")).error).toBe("State update rejected");
    expect((await a.ofType("cf_agent_state")).state.count).toBe(0);
    a.close();
  });

  it("refuses state from a readonly connection", async () => {
    const name = uniqueName("s");
    const ro = await connect(`/agents/probe/${name}?readonly=1`);
    await ro.handshake();
    ro.send({ type: "cf_agent_state", state: { count: 7, items: [] } });
    expect(await ro.ofType("cf_agent_state_error")).toEqual({ type: "cf_agent_state_error", error: "Connection is readonly" });
    expect((await ro.ofType("cf_agent_state")).state.count).toBe(0);
    expect((await httpState(name)).count).toBe(0);
    ro.close();
  });

  it("refuses a state change made by a callable called from a readonly connection", async () => {
    const name = uniqueName("s");
    const ro = await connect(`/agents/probe/${name}?readonly=1`);
    const rw = await connect(`/agents/probe/${name}`);
    await ro.handshake();
    await rw.handshake();
    expect(await ro.call("setCount", [7])).toMatchObject({ success: false, error: "Connection is readonly" });
    expect((await httpState(name)).count).toBe(0);
    // The same method from a writable connection changes it, and a readonly client may still call methods.
    expect((await rw.call("setCount", [8])).result).toBe(8);
    expect((await ro.call("echo", ["still callable"])).result).toBe("still callable");
    expect((await httpState(name)).count).toBe(8);
    ro.close();
    rw.close();
  });

  it("knows which connection each call works for, with calls from two connections in flight at once", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}?_pk=caller-a`);
    const b = await connect(`/agents/probe/${name}?_pk=caller-b`);
    await a.handshake();
    await b.handshake();
    // a's call waits while b's runs to its end: each still sees its own connection afterwards.
    const [fromA, fromB] = await Promise.all([a.call("callerAfter", [60]), b.call("callerAfter", [0])]);
    expect(fromA.result).toBe("caller-a");
    expect(fromB.result).toBe("caller-b");
    // A call from another agent (the internal RPC request) works for no connection.
    const internal = await probeStub(name).fetch("https://agent/__agents/rpc", {
      method: "POST",
      headers: { "x-agents-rpc": "1", "content-type": "application/json" },
      body: JSON.stringify({ method: "callerAfter", args: [0] }),
    });
    expect(await internal.json()).toEqual({ result: null });
    a.close();
    b.close();
  });

  it("answers a server-side set_state that fails validation with an RPC error", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    expect((await a.call("setCount", [3])).result).toBe(3);
    const reply = await a.call("setCount", [-5]);
    expect(reply).toMatchObject({ success: false, error: "state update rejected: count must not be negative (got -5)" });
    // The refused update changed nothing, in memory or in storage.
    expect((await httpState(name)).count).toBe(3);
    expect((await a.call("setCount", [4])).result).toBe(4);
    a.close();
  });

  it("keeps state across eviction and runs on_start once per wake", async () => {
    const name = uniqueName("s");
    const a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await a.call("setCount", [11]);
    a.close();
    const wakes = async () => (await (await fetchWorker(`/agents/probe/${name}/wakes`)).json()).wakes;
    expect(await wakes()).toBe(1);
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect((await httpState(name)).count).toBe(11);
    expect(await wakes()).toBe(2);
  });

  it("persists and syncs a 5 MB state (beyond the 2 MB row limit)", async () => {
    const name = uniqueName("big");
    const a = await connect(`/agents/probe/${name}`);
    const b = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await b.handshake();
    const size = 5 * 1024 * 1024;
    expect((await a.call("setBlob", [size])).result).toBe(size);
    expect((await b.ofType("cf_agent_state", 15_000)).state.blob.length).toBe(size);
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect((await httpState(name)).blob.length).toBe(size);
  });

  it("drops the extra chunk rows when a large state shrinks, in the same wake or after one", async () => {
    const name = uniqueName("big");
    const a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    expect((await a.call("setBlob", [3 * 1024 * 1024])).result).toBe(3 * 1024 * 1024);
    expect((await a.call("stateRows")).result.rows).toBeGreaterThan(4);
    expect((await a.call("setBlob", [10])).result).toBe(10);
    // Left: chunk 0 (one or both of its slots) and the manifest.
    const chunkOf = (key) => (key < 0 ? key : key % 2 ** 32);
    expect(new Set((await a.call("stateRows")).result.keys.map(chunkOf))).toEqual(new Set([-1, 0]));
    a.close();
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect((await httpState(name)).blob).toBe("x".repeat(10));
    // Grow again in a new wake, evict, then shrink in the next one.
    const b = await connect(`/agents/probe/${name}`);
    await b.handshake();
    expect((await b.call("setBlob", [3 * 1024 * 1024])).result).toBe(3 * 1024 * 1024);
    b.close();
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    const c = await connect(`/agents/probe/${name}`);
    await c.handshake();
    expect((await c.call("setBlob", [7])).result).toBe(7);
    expect(new Set((await c.call("stateRows")).result.keys.map(chunkOf))).toEqual(new Set([-1, 0]));
    c.close();
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect((await httpState(name)).blob).toBe("x".repeat(7));
  });

  it("rewrites only the chunk rows a change touches, and stores the exact text", async () => {
    // Edits keep the byte length (ASCII over "x", two-byte characters over "é",
    // four-byte ones over "😀"), so only the rows they fall in change; the
    // last edit shifts every row after it. With `count` at 10 the blob starts
    // at an odd offset, so rows of "😀" would end inside a surrogate pair if
    // cut blindly. Positions count characters (code points), as Rust does.
    const cases = [
      { unit: "x", count: 1_500_000, marks: ["MIDDLE", "END", "START"] },
      { unit: "é", count: 1_500_000, marks: ["ÄÖÜÄÖÜ", "ÖÜÄ", "ÜÄÖÜÄ"] },
      { unit: "😀", count: 700_000, marks: ["🎉🎈🎉", "🎈🎉", "🎉🎈🎉🎈"] },
    ];
    for (const { unit, count, marks } of cases) {
      const name = uniqueName("big");
      const a = await connect(`/agents/probe/${name}`);
      await a.handshake();
      const rows = async (client) => (await client.call("stateRows")).result;
      const edits = [[count / 2, marks[0]], [count - 3, marks[1]], [10, marks[2]], [100, "€"]];
      await a.call("setCount", [10]);
      await a.call("fillBlob", [unit, count]);
      const before = await rows(a);
      expect(before.rows).toBeGreaterThan(4);
      await a.call("editBlob", edits[0]);
      const middle = await rows(a);
      expect(middle.writes - before.writes).toBeGreaterThan(0);
      expect(middle.writes - before.writes).toBeLessThanOrEqual(2);
      await a.call("editBlob", edits[1]);
      expect((await rows(a)).writes - middle.writes).toBeLessThanOrEqual(2);
      a.close();
      // In the next wake, the loaded rows are what a change is compared with.
      await evictDurableObject(probeStub(name), { webSockets: "close" });
      const b = await connect(`/agents/probe/${name}`);
      await b.handshake();
      const loaded = await rows(b);
      await b.call("editBlob", edits[2]);
      expect((await rows(b)).writes - loaded.writes).toBeLessThanOrEqual(2);
      await b.call("editBlob", edits[3]);
      b.close();
      await evictDurableObject(probeStub(name), { webSockets: "close" });
      const blob = (await httpState(name)).blob;
      const expected = Array.from(unit.repeat(count));
      for (const [at, text] of edits) expected.splice(at, [...text].length, ...text);
      expect(blob.length).toBe(expected.join("").length);
      expect(blob === expected.join(""), `${unit}: stored text differs`).toBe(true);
    }
  });

  it("stores a change to a large state whole or not at all", async () => {
    const name = uniqueName("big");
    const count = 1_500_000;
    let a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await a.call("fillBlob", ["x", count]);
    expect((await a.call("stateRows")).result.rows).toBeGreaterThan(4);
    // Every row changes; the fourth one fails after three have been written,
    // then (in a later try) the manifest that commits the rows fails. In a
    // third try, the state grows from small to large and its fourth row fails.
    const failures = [
      { refuse: 3, change: ["y", count], before: "x".repeat(count) },
      { refuse: -1, change: ["z", count], before: "x".repeat(count) },
      { refuse: 3, change: ["w", count], before: "small", setUp: ["small", 1] },
    ];
    for (const { refuse, change, before, setUp } of failures) {
      if (setUp) expect((await a.call("fillBlob", setUp)).result).toBe(before.length);
      await a.call("refuseStateWrites", [refuse]);
      const reply = await a.call("fillBlob", change);
      expect(reply).toMatchObject({ success: false });
      // A SQL failure: the caller gets a reference to the logged detail, not the SQL.
      expect(reply.error).toMatch(/^Internal error \(ref [0-9a-f]{8}\)$/);
      await a.call("refuseStateWrites", [null]);
      expect((await httpState(name)).blob === before, `refused ${refuse}: same wake`).toBe(true);
      a.close();
      await evictDurableObject(probeStub(name), { webSockets: "close" });
      expect((await httpState(name)).blob === before, `refused ${refuse}: next wake`).toBe(true);
      a = await connect(`/agents/probe/${name}`);
      await a.handshake();
    }
    // The next change is stored whole.
    expect((await a.call("fillBlob", ["y", count])).result).toBe(count);
    a.close();
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect((await httpState(name)).blob === "y".repeat(count)).toBe(true);
  });

  it("reads state stored by earlier releases (rows at keys 0, 1, … and no manifest) and changes it", async () => {
    const name = uniqueName("big");
    const a = await connect(`/agents/probe/${name}`);
    await a.handshake();
    const blob = "é".repeat(900_000);
    const text = JSON.stringify({ count: 4, items: ["legacy"], blob });
    // Pieces of any length, as long as they join into the state's text.
    const cuts = [0, 7, 400_000, 700_001, text.length];
    const pieces = cuts.slice(1).map((end, i) => text.slice(cuts[i], end));
    expect((await a.call("storeLegacyRows", [pieces])).result).toBe(4);
    a.close();
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect(await httpState(name)).toEqual({ count: 4, items: ["legacy"], blob });
    // A change to every row goes to the spare slots and a manifest; the
    // legacy rows stay until the next change overwrites them in place.
    const b = await connect(`/agents/probe/${name}`);
    await b.handshake();
    expect((await b.call("fillBlob", ["ü", 900_000])).result).toBe(1_800_000);
    const { keys } = (await b.call("stateRows")).result;
    expect(keys[0]).toBe(-1);
    expect(keys.some((key) => key >= 2 ** 32)).toBe(true);
    b.close();
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect(await httpState(name)).toEqual({ count: 4, items: ["legacy"], blob: "ü".repeat(900_000) });
  });

  it("accepts a 5 MB state pushed by a client and syncs it", async () => {
    const name = uniqueName("big");
    const a = await connect(`/agents/probe/${name}`);
    const b = await connect(`/agents/probe/${name}`);
    await a.handshake();
    await b.handshake();
    const blob = "é".repeat(2_600_000); // 5.2 MB of two-byte characters
    a.send({ type: "cf_agent_state", state: { count: 1, items: [], blob } });
    expect((await b.ofType("cf_agent_state", 15_000)).state.blob).toBe(blob);
    expect((await a.call("stateSize")).result).toBeGreaterThan(5_000_000);
    a.close();
    b.close();
    // Stored across chunks cut between characters, and read back whole.
    await evictDurableObject(probeStub(name), { webSockets: "close" });
    expect((await httpState(name)).blob).toBe(blob);
  });
});
