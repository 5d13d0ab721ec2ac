// The benchmark drivers measure correctly on a tiny workload.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServer } from "node:net";
import { serverCpu } from "../../bench/lib/cpu.mjs";
import { assertPortFree, startWrangler } from "../../bench/lib/server.mjs";
import { measure } from "../../bench/schedule.mjs";
import { readFileSync } from "node:fs";
import { sections, withoutNames } from "../../scripts/strip-wasm-names.mjs";
import { deadClassExports, exportsOf, withoutExports } from "../../scripts/drop-dead-classes.mjs";

describe("server launcher", () => {
  it("refuses a port that something already listens on, instead of using that server", async () => {
    const squatter = createServer();
    await new Promise((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address();
    try {
      await expect(assertPortFree(port)).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
      await expect(startWrangler({ cwd: ".", port })).rejects.toThrow("already in use");
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await expect(assertPortFree(port)).resolves.toBeUndefined();
  });
});

describe("scheduling benchmark driver", () => {
  it("schedules, waits for every task and reports lateness", async () => {
    const result = await measure(inject("baseUrl"), 20);
    expect(result).toMatchObject({ count: 20, fired: 20, early: 0 });
    expect(result.latenessP99Ms).toBeGreaterThanOrEqual(result.latenessP50Ms);
    expect(result.latenessMaxMs).toBeGreaterThanOrEqual(0);
    expect(result.scheduleUsPerOp).toBeGreaterThan(0);
  });
});

describe("comparison benchmark workloads", () => {
  it("measure the Rust benchmark agent correctly on a tiny workload", async () => {
    const base = inject("baseUrl");
    const w = await import("../../bench/workloads.mjs");
    const rtt = await w.rpcRoundTrip(base, { calls: 10 });
    expect(rtt.p99Ms).toBeGreaterThanOrEqual(rtt.p50Ms);
    expect(rtt.callsPerS).toBeGreaterThan(0);
    expect(await w.pipelinedInc(base, { clients: 3, callsPerClient: 20 })).toMatchObject({ lost: 0 });
    const fan = await w.fanOut(base, { clients: 4, rounds: 2 });
    expect(fan.p50Ms).toBeGreaterThan(0);
    expect(await w.sqlInsert(base, { rows: 100 })).toMatchObject({ rows: 100 });
    expect(await w.schedules(base, { count: 5 })).toMatchObject({ fired: 5, early: 0 });
    const cold = await w.coldVersusWarm(base, { agents: 1, warmRepeats: 2 });
    expect(cold.coldMs).toBeGreaterThan(0);
    expect(cold.warmMs).toBeGreaterThan(0);
    expect((await w.largeState(base, { bytes: 20_000 })).ms).toBeGreaterThan(0);
    expect((await w.largeState(base, { bytes: 20_000, updates: 2, everyItem: true })).ms).toBeGreaterThan(0);
  });
});

// The floor (bench/js, a Durable Object with no framework) speaks the same
// frames: the same workloads measure it, and the official AgentClient works
// against it with no update lost.
describe("the JavaScript floor", () => {
  let floor;
  beforeAll(async () => {
    const port = Number(process.env.AGENTS_FLOOR_PORT ?? 8788);
    floor = await startWrangler({ cwd: new URL("../../bench/js", import.meta.url).pathname, port });
  }, 120_000);
  afterAll(() => floor?.stop());

  it("answers every workload as the agents do", async () => {
    const w = await import("../../bench/workloads.mjs");
    expect(await w.rpcRoundTrip(floor.url, { calls: 10 })).toMatchObject({ callsPerS: expect.any(Number) });
    expect(await w.pipelinedInc(floor.url, { clients: 3, callsPerClient: 20 })).toMatchObject({ lost: 0 });
    expect((await w.fanOut(floor.url, { clients: 4, rounds: 2 })).p50Ms).toBeGreaterThan(0);
    expect(await w.sqlInsert(floor.url, { rows: 100 })).toMatchObject({ rows: 100 });
    expect(await w.schedules(floor.url, { count: 5 })).toMatchObject({ fired: 5, early: 0 });
    expect((await w.largeState(floor.url, { bytes: 20_000 })).ms).toBeGreaterThan(0);
  });

  it("sends the same frames as the Rust agent", async () => {
    // The first frames of a connection and an unknown method's answer, from each server, by shape.
    const shapes = async (base) => {
      const ws = new WebSocket(`${base.replace(/^http/, "ws")}/agents/bench-agent/shape-${Math.random().toString(36).slice(2)}`);
      const frames = [];
      ws.addEventListener("message", (e) => frames.push(JSON.parse(e.data)));
      await new Promise((resolve, reject) => {
        ws.addEventListener("open", resolve, { once: true });
        ws.addEventListener("error", reject, { once: true });
      });
      ws.send(JSON.stringify({ type: "rpc", id: "x1", method: "noSuchMethod", args: [] }));
      const deadline = Date.now() + 10_000;
      while (!frames.some((f) => f.type === "rpc") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      ws.close();
      return frames.map((f) => ({ type: f.type, keys: Object.keys(f).sort(), success: f.success }));
    };
    const rust = await shapes(inject("baseUrl"));
    const floorFrames = await shapes(floor.url);
    expect(rust.map((f) => f.type)).toEqual(["cf_agent_identity", "cf_agent_state", "cf_agent_mcp_servers", "rpc"]);
    expect(floorFrames).toEqual(rust);
  });

  it("serves the official AgentClient", async () => {
    const { concurrentIncrements } = await import("../../bench/load.mjs");
    const result = await concurrentIncrements(floor.url, { clients: 5, callsPerClient: 10 });
    expect(result).toMatchObject({ lost: 0, duplicates: 0, errors: 0, sawFinal: 5 });
  });
});

// The chat benchmark (bench/chat.mjs) against both chat agents, on a small
// reply: every chunk arrives, and a client that resumes mid-reply gets every
// chunk replayed once.
describe("chat benchmark workloads", () => {
  const servers = {};
  let standIn;
  beforeAll(async () => {
    const { startStandIn } = await import("../../bench/chat.mjs");
    standIn = await startStandIn();
    const vars = { AI_PROVIDER: "openai", OPENAI_BASE_URL: standIn.url, OPENAI_API_KEY: "bench", AI_MODEL: "bench-model" };
    const port = Number(process.env.AGENTS_CHAT_BENCH_PORT ?? 9360);
    for (const [i, side] of ["rust", "ts"].entries()) {
      const cwd = new URL(`../../bench/chat/${side}`, import.meta.url).pathname;
      servers[side] = await startWrangler({ cwd, port: port + i, inspectorPort: port + i + 50, vars });
    }
  }, 300_000);
  afterAll(async () => {
    for (const server of Object.values(servers)) server.stop();
    await standIn?.stop();
  });

  for (const side of ["rust", "ts"]) {
    it(`measure the ${side} chat agent: first token, a long reply, and its replay`, async () => {
      const w = await import("../../bench/chat.mjs");
      const first = await w.firstToken(servers[side].url, standIn, { turns: 2 });
      expect(first.ttftP50Ms).toBeGreaterThan(0);
      expect(first.overheadP50Ms).toBeLessThanOrEqual(first.ttftP50Ms);
      expect(await w.longReply(servers[side].url, { chunks: 40 })).toMatchObject({ deltas: 40 });
      expect(await w.replay(servers[side].url, standIn, { chunks: 40 })).toMatchObject({ replayed: 40 });
      // The storage cost's callable stores through the agent's chunk store (the CPU meter, or none where /proc is not).
      const meter = serverCpu(servers[side].url) ?? { measure: async (work) => ({ ...(await work()), serverCpuMs: 0 }) };
      expect(await w.storeCost(servers[side].url, meter, { chunks: 40, tries: 1 })).toEqual({ storeUsPerChunk: expect.any(Number) });
    }, 60_000);
  }
});

// The optimized builds drop the wasm's function names (scripts/strip-wasm-names.mjs) and keep every other section.
describe("wasm names", () => {
  const custom = (name, payload) => {
    const body = [name.length, ...Buffer.from(name), ...payload];
    return [0, body.length, ...body];
  };
  const sectionNames = (wasm) => sections(wasm).map(({ id, name }) => (id === 0 ? name : id));

  it("are removed, and the other sections kept byte for byte", () => {
    const header = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    const type = [1, 4, 1, 0x60, 0, 0];
    const module = Buffer.from([...header, ...type, ...custom("name", [1, 2, 3]), ...custom("producers", [9])]);
    const stripped = withoutNames(module);
    expect(sectionNames(stripped)).toEqual([1, "producers"]);
    expect(stripped).toEqual(Buffer.from([...header, ...type, ...custom("producers", [9])]));
    expect(() => withoutNames(Buffer.from("not wasm at all"))).toThrow("not a wasm module");
    expect(() => withoutNames(Buffer.from([...header, 1, 99, 0]))).toThrow("runs past the end");
  });

  it("are not in the chat benchmark worker (an optimized build, served above)", () => {
    const wasm = readFileSync(new URL("../../bench/chat/rust/build/index_bg.wasm", import.meta.url));
    const names = sectionNames(wasm);
    expect(names).not.toContain("name");
    expect(names).toContain(10); // the code section is there
  });
});

// Optimized builds drop the exports of classes the worker can never hand to JavaScript (scripts/drop-dead-classes.mjs).
describe("dead class exports", () => {
  const names = [
    "benchagent_new",
    "__wbg_benchagent_free",
    "benchagent_fetch",
    "__wbg_r2range_free",
    "__wbg_get_r2range_length",
    "__wbg_set_r2range_length",
    "intounderlyingsource_pull",
    "__wbg_intounderlyingsource_free",
    "memory",
    "fetch",
  ];

  it("are those of classes with no constructor that Rust never hands to JavaScript", () => {
    const dead = deadClassExports(names, "export class R2Range { free() {} }");
    expect([...dead].sort()).toEqual([
      "__wbg_get_r2range_length",
      "__wbg_intounderlyingsource_free",
      "__wbg_r2range_free",
      "__wbg_set_r2range_length",
      "intounderlyingsource_pull",
    ]);
    // A class Rust hands to JavaScript (the glue's import for it): kept.
    const glue = "__wbg_r2range_new: function(arg0) { return R2Range.__wrap(arg0); }";
    expect([...deadClassExports(names, glue)].sort()).toEqual(["__wbg_intounderlyingsource_free", "intounderlyingsource_pull"]);
  });

  it("leave the module's other exports and sections byte for byte", () => {
    const entry = (name, kind, index) => [name.length, ...Buffer.from(name), kind, index];
    const exports = [...entry("memory", 2, 0), ...entry("__wbg_r2range_free", 0, 1), ...entry("fetch", 0, 2)];
    const header = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    const type = [1, 4, 1, 0x60, 0, 0];
    const module = Buffer.from([...header, ...type, 7, exports.length + 1, 3, ...exports]);
    expect(exportsOf(module).map((e) => e.name)).toEqual(["memory", "__wbg_r2range_free", "fetch"]);
    const kept = withoutExports(module, new Set(["__wbg_r2range_free"]));
    const expected = [...entry("memory", 2, 0), ...entry("fetch", 0, 2)];
    expect(kept).toEqual(Buffer.from([...header, ...type, 7, expected.length + 1, 2, ...expected]));
  });

  it("are gone from the chat benchmark worker (an optimized build, served above)", () => {
    const build = new URL("../../bench/chat/rust/build/", import.meta.url);
    const exported = exportsOf(readFileSync(new URL("index_bg.wasm", build))).map((e) => e.name);
    expect(exported.filter((name) => /_new$/.test(name)).length).toBeGreaterThan(0); // its agents' constructors
    expect(exported.filter((name) => /r2range|containerstartupoptions/.test(name))).toEqual([]);
    expect(deadClassExports(exported, readFileSync(new URL("index.js", build), "utf8")).size).toBe(0);
  });
});
