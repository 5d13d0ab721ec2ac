// The behaviour the official client suites (cloudflare/agents react-tests)
// expect of their test agents, driven with the official `agents/client`.
import { agentFetch } from "agents/client";
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";

const baseUrl = inject("baseUrl");
const host = new URL(baseUrl).host;
const client = clientsFor(host);

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, HEAD, OPTIONS",
  "access-control-allow-headers": "*",
  "access-control-max-age": "86400",
};

describe("TestStateAgent", () => {
  it("identifies itself, sends its initial state, and defaults the name", async () => {
    const named = client({ agent: "TestStateAgent", name: unique("id") });
    await named.ready;
    expect(named.agent).toBe("test-state-agent");
    expect(named.state).toEqual({ count: 0, items: [], lastUpdated: null });
    const unnamed = client({ agent: "TestStateAgent" });
    await unnamed.ready;
    expect(unnamed.name).toBe("default");
  });

  it("persists a client's state, broadcasts it to others and logs its source", async () => {
    const name = unique("st");
    const a = client({ agent: "TestStateAgent", name });
    const seen = [];
    const b = client({ agent: "TestStateAgent", name, onStateUpdate: (s, source) => seen.push({ s, source }) });
    await Promise.all([a.ready, b.ready]);
    const next = { count: 5, items: ["x"], lastUpdated: 1234 };
    a.setState(next);
    await expect.poll(() => seen.at(-1)?.s).toEqual(next);
    const state = await (await agentFetch({ agent: "TestStateAgent", name, host, path: "state" })).json();
    expect(state).toEqual({ state: next });
    const log = await (await agentFetch({ agent: "TestStateAgent", name, host, path: "state-updates" })).json();
    expect(log.updates).toEqual([{ state: next, source: a.id }]);
  });

  it("echoes HTTP requests and counts live connections", async () => {
    const name = unique("http");
    const a = client({ agent: "TestStateAgent", name });
    const b = client({ agent: "TestStateAgent", name });
    await Promise.all([a.ready, b.ready]);
    const echo = await agentFetch({ agent: "TestStateAgent", name, host, path: "echo" }, { method: "POST", body: "ping" });
    expect(await echo.json()).toEqual({ method: "POST", body: "ping", path: "echo" });
    const count = await agentFetch({ agent: "TestStateAgent", name, host, path: "connections" });
    expect(await count.json()).toEqual({ count: 2 });
  });

  it("puts CORS on every /agents/* response, 404s and OPTIONS included", async () => {
    for (const [path, init, status] of [
      [`/agents/test-state-agent/${unique("c")}/nothing-here`, {}, 404],
      [`/agents/test-state-agent`, {}, 404],
      [`/agents/no-such-agent/x`, {}, 400],
      [`/agents/test-state-agent/x`, { method: "OPTIONS" }, 200],
    ]) {
      const response = await fetch(`${baseUrl}${path}`, init);
      expect(response.status, path).toBe(status);
      for (const [key, value] of Object.entries(CORS)) expect(response.headers.get(key), `${path} ${key}`).toBe(value);
    }
    expect([200, 404]).toContain((await fetch(`${baseUrl}/`)).status);
  });

  it("is reachable through the worker's custom routes", async () => {
    const name = unique("custom");
    const custom = client({ agent: "TestStateAgent", basePath: `custom-state/${name}` });
    await custom.ready;
    expect(custom.name).toBe(name);
    const user = client({ agent: "TestStateAgent", basePath: "user" });
    await user.ready;
    expect(user.name).toBe("auth-user");
    const state = await (await fetch(`${baseUrl}/custom-state/${name}/state`)).json();
    expect(state.state.count).toBe(0);
  });

  it("accepts base paths written with a leading slash", async () => {
    const name = unique("slash");
    const c = client({ agent: "ignored", basePath: `/agents/test-state-agent/${name}` });
    await c.ready;
    expect(c.name).toBe(name);
    const response = await agentFetch({ agent: "ignored", host, basePath: `/agents/test-state-agent/${name}/state` });
    expect(response.ok).toBe(true);
    expect((await response.json()).state.count).toBe(0);
  });

  it("re-sends identity and state after a reconnect", async () => {
    const name = unique("re");
    const identities = [];
    const c = client({ agent: "TestStateAgent", name, onIdentity: (n) => identities.push(n) });
    await c.ready;
    c.setState({ count: 9, items: [], lastUpdated: null });
    c.reconnect();
    await expect.poll(() => identities.length, { timeout: 10_000 }).toBe(2);
    await c.ready;
    expect(c.state.count).toBe(9);
  });
});

describe("TestCallableAgent", () => {
  const callable = () => client({ agent: "TestCallableAgent", name: unique("rpc") });

  it("answers every result shape", async () => {
    const c = callable();
    await c.ready;
    expect(c.state).toEqual({ value: 0 });
    expect(await c.call("add", [1, 2])).toBe(3);
    expect(await c.call("add", [0.5, 0.25])).toBe(0.75);
    expect(await c.call("asyncMethod", [20])).toBe("done");
    expect(await c.call("voidMethod")).toBeUndefined();
    expect(await c.call("returnNull")).toBeNull();
    expect(await c.call("returnUndefined")).toBeUndefined();
    await expect(c.call("throwError", ["boom"])).rejects.toThrow("boom");
    await expect(c.call("delayedThrow", [10])).rejects.toThrow("delayed failure");
    await expect(c.call("privateMethod")).rejects.toThrow("Method privateMethod is not callable");
    await expect(c.call("missing")).rejects.toThrow("Method missing does not exist");
  });

  it("works for calls made before the socket is open", async () => {
    const c = callable();
    const early = c.call("add", [2, 2]);
    expect(await early).toBe(4);
  });

  it("runs calls concurrently: a hanging call blocks nothing and times out on the client", async () => {
    const c = callable();
    await c.ready;
    const hung = c.call("hang", [], { timeout: 300 });
    expect(await c.call("asyncMethod", [10])).toBe("done");
    await expect(hung).rejects.toThrow("RPC call to hang timed out after 300ms");
  });

  it("streams chunks and a final value, with and without delays", async () => {
    const c = callable();
    await c.ready;
    const chunks = [];
    expect(await c.call("streamNumbers", [3], { stream: { onChunk: (x) => chunks.push(x) } })).toBe(3);
    expect(chunks).toEqual([0, 1, 2]);
    const delayed = [];
    const result = await c.call("streamWithDelay", [["a", "b"], 20], { stream: { onChunk: (x) => delayed.push(x) } });
    expect([delayed, result]).toEqual([["a", "b"], "complete"]);
  });

  it("ends failing streams with an error, once", async () => {
    const c = callable();
    await c.ready;
    for (const [method, error] of [
      ["streamError", "Stream failed"],
      ["streamGracefulError", "Graceful error"],
      ["streamDoubleClose", "First close"],
      ["streamThrowsImmediately", "Immediate failure"],
    ]) {
      const chunks = [];
      const errors = [];
      await expect(
        c.call(method, [], { stream: { onChunk: (x) => chunks.push(x), onError: (e) => errors.push(e) } }),
      ).rejects.toThrow(error);
      expect(errors, method).toEqual([error]);
      expect(chunks, method).toEqual(method === "streamThrowsImmediately" ? [] : ["chunk1"]);
    }
    expect(await c.call("add", [1, 1])).toBe(2);
  });

  it("replies before closing connections with a terminal code, and the client stops", async () => {
    const c = callable();
    const errors = [];
    c.options.onConnectionError = (e) => errors.push(e);
    await c.ready;
    expect(await c.call("closeConnectionsForTest", [1008, "policy"])).toBe(1);
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toMatchObject({ name: "AgentConnectionError", code: 1008, reason: "policy" });
    await expect(c.call("add", [1, 2])).rejects.toThrow("Connection closed");
  });

  it("drops a reply to a closed connection and keeps serving", async () => {
    const name = unique("drop");
    const a = client({ agent: "TestCallableAgent", name });
    await a.ready;
    const pending = a.call("asyncMethod", [200]).catch((e) => e.message);
    a.close();
    expect(await pending).toBe("Connection closed");
    await new Promise((r) => setTimeout(r, 300));
    const b = client({ agent: "TestCallableAgent", name });
    expect(await b.call("add", [3, 4])).toBe(7);
  });
});
