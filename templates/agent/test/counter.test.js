// The counter agent through the official client (`agents/client`), as a browser or Node front end uses it.
import { AgentClient } from "agents/client";
import { afterEach, describe, expect, inject, it } from "vitest";

const open = [];
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

function connect(name, onStateUpdate) {
  const client = new AgentClient({ host: inject("host"), agent: "counter", name, onStateUpdate });
  open.push(client);
  return client;
}

describe("counter", () => {
  it("starts at zero, counts, and every client receives the new state", async () => {
    const name = `counter-${crypto.randomUUID()}`;
    const seen = [];
    const watcher = connect(name, (state) => seen.push(state.count));
    const client = connect(name);
    await Promise.all([watcher.ready, client.ready]);
    expect(client.state).toEqual({ count: 0 });

    expect(await client.stub.increment(2)).toBe(2);
    expect(await client.call("increment", [])).toBe(3); // `by` is optional: 1
    expect(await client.stub.get()).toBe(3);
    await expect.poll(() => seen.at(-1)).toBe(3);
  });

  it("refuses a step out of range with the agent's own message, and counts on", async () => {
    const client = connect(`counter-${crypto.randomUUID()}`);
    await client.ready;
    await expect(client.stub.increment(5000)).rejects.toThrow("increment by at most 1000 either way (got 5000)");
    expect(await client.stub.get()).toBe(0);
  });

  it("keeps each name's count apart", async () => {
    const [a, b] = [connect(`a-${crypto.randomUUID()}`), connect(`b-${crypto.randomUUID()}`)];
    await Promise.all([a.ready, b.ready]);
    await a.stub.increment(7);
    expect(await b.stub.get()).toBe(0);
    expect(await a.stub.get()).toBe(7);
  });
});
