import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

async function probe() {
  const client = await connect(`/agents/probe/${uniqueName("rpc")}`);
  await client.handshake();
  return client;
}

describe("rpc", () => {
  it("returns typed results in the reference's frame", async () => {
    const client = await probe();
    const id = "call-1";
    client.send({ type: "rpc", id, method: "setCount", args: [5] });
    expect(await client.next((f) => f.id === id)).toEqual({ type: "rpc", id, success: true, result: 5, done: true });
    client.close();
  });

  it("omits result for methods that return nothing", async () => {
    const client = await connect(`/agents/probe/${uniqueName("rpc")}`);
    await client.handshake();
    client.send({ type: "rpc", id: "x", method: "fail", args: ["no"] });
    expect(await client.next((f) => f.id === "x")).toEqual({ type: "rpc", id: "x", success: false, error: "no" });
    client.close();
  });

  it("answers unknown and non-callable methods with the reference's errors", async () => {
    const client = await probe();
    expect(await client.call("nope")).toMatchObject({ success: false, error: "Method nope does not exist" });
    expect(await client.call("onStart")).toMatchObject({ success: false, error: "Method onStart is not callable" });
    client.close();
  });

  it("rejects arguments of the wrong type or number with a clear error", async () => {
    const client = await probe();
    const wrongType = await client.call("setCount", ["many"]);
    expect(wrongType.success).toBe(false);
    expect(wrongType.error).toMatch(/^Invalid argument 1 of setCount: invalid type: string "many", expected i64/);
    expect(await client.call("setCount", [1, 2])).toMatchObject({ success: false, error: "Method setCount takes 1 argument, got 2" });
    expect((await client.call("stateSize")).result).toBeGreaterThan(0);
    client.close();
  });

  it("answers malformed RPC requests with an error frame", async () => {
    const client = await probe();
    client.send({ type: "rpc", id: 42, method: "echo", args: [1] });
    expect(await client.next((f) => f.type === "rpc")).toEqual({
      type: "rpc",
      id: 42,
      success: false,
      error: "Invalid RPC request: id must be a string",
    });
    client.send({ type: "rpc", id: "m", method: "echo", args: "not-an-array" });
    expect(await client.next((f) => f.id === "m")).toMatchObject({ success: false, error: "Invalid RPC request: args must be an array" });
    client.close();
  });

  it("streams chunks, then the final result", async () => {
    const client = await probe();
    client.send({ type: "rpc", id: "s", method: "numbers", args: [3] });
    const frames = [];
    for (let i = 0; i < 4; i++) frames.push(await client.next((f) => f.id === "s"));
    expect(frames).toEqual([
      { type: "rpc", id: "s", success: true, result: 0, done: false },
      { type: "rpc", id: "s", success: true, result: 1, done: false },
      { type: "rpc", id: "s", success: true, result: 2, done: false },
      { type: "rpc", id: "s", success: true, result: 3, done: true },
    ]);
    client.close();
  });

  it("ends a stream that fails with an error frame", async () => {
    const client = await probe();
    client.send({ type: "rpc", id: "f", method: "numbersThenFail", args: [2] });
    const frames = [];
    for (let i = 0; i < 3; i++) frames.push(await client.next((f) => f.id === "f"));
    expect(frames.map((f) => f.done ?? "error")).toEqual([false, false, "error"]);
    expect(frames[2]).toMatchObject({ success: false, error: "failed after 2 chunks" });
    client.close();
  });

  it("turns a panic into an error for the caller and keeps serving with state intact", async () => {
    const client = await probe();
    await client.call("setCount", [3]);
    const boom = await client.call("boom", ["kaboom"]);
    // The panic's payload is logged, not sent.
    expect(boom).toMatchObject({ success: false, error: expect.stringMatching(/^Internal error \(ref [0-9a-f]{8}\)$/) });
    expect((await client.call("echo", ["still here"])).result).toBe("still here");
    expect((await client.call("setCount", [4])).result).toBe(4);
    client.close();
  });

  it("keeps serving other clients while one sends garbage", async () => {
    const name = uniqueName("rpc");
    const bad = await connect(`/agents/probe/${name}`);
    const good = await connect(`/agents/probe/${name}`);
    await bad.handshake();
    await good.handshake();
    bad.send("{not json");
    expect(await bad.ofType("echo")).toEqual({ type: "echo", text: "{not json" });
    bad.send("panic");
    expect((await good.call("echo", [1])).result).toBe(1);
    expect((await bad.call("echo", [2])).result).toBe(2);
    bad.close();
    good.close();
  });

  it("refuses oversized frames without applying them", async () => {
    const client = await probe();
    const big = "y".repeat(9 * 1024 * 1024);
    client.send({ type: "rpc", id: "big", method: "echo", args: [big] });
    const reply = await client.next((f) => f.id === "big", 15_000);
    expect(reply.success).toBe(false);
    expect(reply.error).toMatch(/^Message too large: at least \d+ bytes \(limit 8388608\)$/);
    client.send({ type: "cf_agent_state", state: { count: 1, items: [], blob: big } });
    expect((await client.ofType("cf_agent_state_error", 15_000)).error).toBe("State update rejected");
    expect((await client.ofType("cf_agent_state")).state.count).toBe(0);
    client.close();
  });

  it("refuses an oversized frame from its first fields, whatever follows them", async () => {
    const client = await probe();
    // Past the limit only in UTF-8 (three bytes a character): copied, then refused before parsing.
    const wide = "€".repeat(3 * 1024 * 1024);
    client.send(`{"type":"rpc","id":"wide","method":"echo","args":["${wide}"]}`);
    const refused = await client.next((f) => f.id === "wide", 15_000);
    expect(refused.error).toMatch(/^Message too large: \d+ bytes \(limit 8388608\)$/);
    // Nesting no parser would accept, and no closing brace: still refused to the caller by id.
    const deep = "[".repeat(300_000) + "y".repeat(9 * 1024 * 1024);
    client.send(`{"type":"rpc","id":"deep","method":"echo","args":${deep}`);
    const answer = await client.next((f) => f.id === "deep", 15_000);
    expect(answer.success).toBe(false);
    expect(answer.error).toMatch(/^Message too large/);
    // A binary frame over the limit gets the agent's error frame.
    client.ws.send(new Uint8Array(9 * 1024 * 1024));
    expect((await client.ofType("cf_agent_error", 15_000)).error).toMatch(/^Message too large: 9437184 bytes/);
    expect((await client.call("echo", [1])).result).toBe(1);
    client.close();
  });

  it("lets other events in while one long stream runs", async () => {
    const name = uniqueName("long");
    const streamer = await connect(`/agents/probe/${name}`);
    await streamer.handshake();
    const other = await connect(`/agents/probe/${name}`);
    await other.handshake();
    let streamDone = false;
    const done = streamer.next((f) => f.id === "long" && f.done === true, 30_000).then(() => (streamDone = true));
    streamer.send({ type: "rpc", id: "long", method: "numbers", args: [20_000] });
    // Sent after the stream started: answered while it still runs (a send waits
    // for the event loop every 32 chunks), not after its 20,000 chunks.
    const echoed = await other.call("echo", ["meanwhile"]);
    expect(echoed.result).toBe("meanwhile");
    expect(streamDone).toBe(false);
    await done;
    streamer.close();
    other.close();
  });

  it("runs at most 64 calls at once per connection and refuses the rest", async () => {
    const name = uniqueName("limit");
    const client = await connect(`/agents/probe/${name}`);
    await client.handshake();
    // 70 calls that each wait until released: however slowly they arrive,
    // none ends before the others, so exactly 64 are in flight at once.
    const pending = Array.from({ length: 70 }, () => client.call("hold", [9_000]));
    const other = await connect(`/agents/probe/${name}`);
    await other.handshake();
    // Another connection is not affected by this one's limit.
    expect((await other.call("echo", [2])).result).toBe(2);
    // The last 6 are refused at once, while the first 64 still wait.
    const lastSix = await Promise.all(pending.slice(64));
    expect(lastSix.map((r) => r.success)).toEqual([false, false, false, false, false, false]);
    expect((await other.call("release", [])).success).toBe(true);
    const replies = await Promise.all(pending);
    const refused = replies.filter((r) => r.success === false);
    expect(refused).toHaveLength(6);
    expect(refused[0].error).toBe("Too many calls in flight on this connection (limit 64)");
    expect(replies.filter((r) => r.success && r.result === true)).toHaveLength(64);
    // Once they are done, this one calls again.
    expect((await client.call("echo", [1])).result).toBe(1);
    client.close();
    other.close();
  });

  it("delivers binary frames to the message hook", async () => {
    const client = await probe();
    client.ws.send(new Uint8Array([1, 2, 3]));
    expect(await client.ofType("binary")).toEqual({ type: "binary", len: 3 });
    client.close();
  });
});
