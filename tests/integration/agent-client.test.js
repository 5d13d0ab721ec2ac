// The official `agents/client` AgentClient against Rust agents: the counter
// and chat-room examples, served by the fixture worker.
import { agentFetch } from "agents/client";
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";

const host = new URL(inject("baseUrl")).host;
const client = clientsFor(host);

function nextState(c) {
  return new Promise((resolve) => {
    const previous = c.options.onStateUpdate;
    c.options.onStateUpdate = (state, source) => {
      c.options.onStateUpdate = previous;
      resolve({ state, source });
    };
  });
}

describe("AgentClient against Rust agents", () => {
  it("connects, learns its identity and receives the state", async () => {
    const name = unique("counter");
    const c = client({ agent: "Counter", name });
    await c.ready;
    expect(c.identified).toBe(true);
    expect(c.name).toBe(name);
    expect(c.agent).toBe("counter");
    expect(c.state).toEqual({ count: 0 });
  });

  it("calls methods with call() and stub, and state changes reach every client", async () => {
    const name = unique("counter");
    const a = client({ agent: "Counter", name });
    const b = client({ agent: "Counter", name });
    await Promise.all([a.ready, b.ready]);
    const seenByB = nextState(b);
    expect(await a.call("increment", [2])).toBe(2);
    expect(await seenByB).toEqual({ state: { count: 2 }, source: "server" });
    expect(await a.stub.add(20, 22)).toBe(42);
    expect(await b.stub.get()).toBe(2);
  });

  it("syncs setState from one client to another", async () => {
    const name = unique("counter");
    const a = client({ agent: "Counter", name });
    const b = client({ agent: "Counter", name });
    await Promise.all([a.ready, b.ready]);
    const seenByB = nextState(b);
    a.setState({ count: 7 });
    expect((await seenByB).state).toEqual({ count: 7 });
    expect(await b.call("get")).toBe(7);
  });

  it("streams chunks to onChunk and resolves with the final value", async () => {
    const c = client({ agent: "Counter", name: unique("counter") });
    await c.ready;
    const chunks = [];
    let done;
    const result = await c.call("countdown", [3], {
      stream: { onChunk: (chunk) => chunks.push(chunk), onDone: (final) => (done = final) },
    });
    expect(chunks).toEqual([3, 2, 1]);
    expect(result).toBe("liftoff");
    expect(done).toBe("liftoff");
  });

  it("rejects unknown methods and bad arguments with the server's message", async () => {
    const c = client({ agent: "Counter", name: unique("counter") });
    await c.ready;
    await expect(c.call("nope")).rejects.toThrow("Method nope does not exist");
    await expect(c.call("add", [1, "x"])).rejects.toThrow(/Invalid argument 2 of add/);
    await expect(c.stub.add(1, 2)).resolves.toBe(3);
  });

  it("reports a rejected setState and restores the server's state", async () => {
    const name = unique("counter");
    const errors = [];
    const c = client({ agent: "Counter", name, onStateUpdateError: (e) => errors.push(e) });
    await c.ready;
    await c.call("increment", [5]);
    const restored = new Promise((resolve) => {
      c.options.onStateUpdate = (state, source) => source === "server" && state.count === 5 && resolve(state);
    });
    c.setState({ count: -3 });
    expect(c.state).toEqual({ count: -3 }); // optimistic, as the client does
    await restored;
    expect(errors).toEqual(["State update rejected"]);
    expect(c.state).toEqual({ count: 5 });
  });

  it("refuses state from a readonly connection", async () => {
    const errors = [];
    const c = client({
      agent: "Counter",
      name: unique("counter"),
      query: { readonly: "1" },
      onStateUpdateError: (e) => errors.push(e),
    });
    await c.ready;
    c.setState({ count: 1 });
    await expect.poll(() => errors).toEqual(["Connection is readonly"]);
    await expect.poll(() => c.state).toEqual({ count: 0 });
    // Nor through a method that changes it: the client's call rejects with the TS SDK's error.
    await expect(c.call("increment", [2])).rejects.toThrow("Connection is readonly");
    expect(await c.call("get")).toBe(0);
  });

  it("example chat room: over WebSocket and HTTP (agentFetch)", async () => {
    const name = unique("room");
    const messages = [];
    const a = client({ agent: "ChatRoom", name });
    const b = client({ agent: "ChatRoom", name });
    b.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "chat") messages.push(frame.message.text);
    });
    await Promise.all([a.ready, b.ready]);
    await a.call("send", ["ada", "hello from the official client"]);
    await expect.poll(() => messages).toEqual(["hello from the official client"]);
    const response = await agentFetch({ agent: "ChatRoom", name, host, path: "history" });
    const history = await response.json();
    expect(history.map((m) => m.text)).toEqual(["hello from the official client"]);
  });

  it("reconnects after the server closes the socket and re-syncs identity and state", async () => {
    const name = unique("probe");
    const c = client({ agent: "Probe", name });
    await c.ready;
    await c.call("setCount", [3]);
    const identities = [];
    c.options.onIdentity = (n) => identities.push(n);
    // The server closes this very socket, so the call itself is rejected.
    await expect(c.call("closeAll", [1001, "going away"])).rejects.toThrow("Connection closed");
    await expect.poll(() => identities, { timeout: 15_000 }).toEqual([name]);
    await c.ready;
    expect(c.state.count).toBe(3);
    expect(await c.call("echo", ["after reconnect"])).toBe("after reconnect");
  });

  it("answers a client's close: with its code, or 1000 when it sent none", async () => {
    // A close without a status code (what `ws.close()` sends) reaches the server as 1005, which may not be sent
    // back; the TS SDK leaves it unanswered, and the client sees 1006 after its own timeout.
    // The client closes once the connect frames are all in (the last is `cf_agent_mcp_servers`): a close that
    // crosses them on the wire (through `wrangler dev`'s proxy) came back as 1006 in about one run in five, on
    // this build and on the one before this session's changes to connection handling alike.
    const closeAfterState = async (...args) => {
      const ws = new WebSocket(`ws://${host}/agents/counter/${unique("close")}`);
      const connected = new Promise((resolve) =>
        ws.addEventListener("message", (e) => JSON.parse(e.data).type === "cf_agent_mcp_servers" && resolve()),
      );
      await connected;
      const closed = new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
      ws.close(...args);
      const event = await closed;
      return { code: event.code, reason: event.reason, wasClean: event.wasClean };
    };
    expect(await closeAfterState()).toEqual({ code: 1000, reason: "", wasClean: true });
    expect(await closeAfterState(4001, "bye")).toEqual({ code: 4001, reason: "bye", wasClean: true });
  });
});
