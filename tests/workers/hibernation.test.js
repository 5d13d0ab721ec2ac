import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";

const stub = (name) => env.Probe.get(env.Probe.idFromName(name));

describe("hibernation", () => {
  it("keeps sockets, their ids, tags, flags and connection state across eviction", async () => {
    const name = uniqueName("h");
    const ro = await connect(`/agents/probe/${name}?_pk=ro-1&tag=red&readonly=1`);
    const rw = await connect(`/agents/probe/${name}?_pk=rw-1`);
    await ro.handshake();
    await rw.handshake();
    ro.send("whoami");
    expect((await ro.ofType("whoami")).visitor.messages).toBe(1);

    await evictDurableObject(stub(name), { webSockets: "hibernate" });
    const wakes = async () => (await (await fetchWorker(`/agents/probe/${name}/wakes`)).json()).wakes;
    expect(await wakes()).toBe(2);

    ro.send("whoami");
    const me = await ro.ofType("whoami");
    expect(me).toMatchObject({ id: "ro-1", tags: ["ro-1", "red"], readonly: true });
    expect(me.visitor).toMatchObject({ greeting: "hello ro-1", messages: 2 });

    // Still readonly, and broadcasts still reach both sockets.
    ro.send({ type: "cf_agent_state", state: { count: 1, items: [] } });
    expect((await ro.ofType("cf_agent_state_error")).error).toBe("Connection is readonly");
    expect((await rw.call("setCount", [6])).result).toBe(6);
    expect((await ro.next((f) => f.type === "cf_agent_state" && f.state.count === 6)).state.count).toBe(6);
    expect((await (await fetchWorker(`/agents/probe/${name}/connections`)).json()).count).toBe(2);
    ro.close();
    rw.close();
  });

  it("still reads a connection whose attachment an earlier version wrote as an object", async () => {
    const name = uniqueName("h");
    const ro = await connect(`/agents/probe/${name}?_pk=old-1&readonly=1`);
    await ro.handshake();
    ro.send("legacy-attachment");
    await ro.ofType("legacy");
    await evictDurableObject(stub(name), { webSockets: "hibernate" });
    ro.send("whoami");
    const me = await ro.ofType("whoami");
    expect(me).toMatchObject({ id: "old-1", readonly: true });
    expect(me.visitor).toMatchObject({ greeting: "hello old-1", messages: 2 });
    ro.send({ type: "cf_agent_state", state: { count: 1, items: [] } });
    expect((await ro.ofType("cf_agent_state_error")).error).toBe("Connection is readonly");
    ro.close();
  });

  it("sends broadcasts with exclusions", async () => {
    const name = uniqueName("h");
    const a = await connect(`/agents/probe/${name}?_pk=a`);
    const b = await connect(`/agents/probe/${name}?_pk=b`);
    await a.handshake();
    await b.handshake();
    expect((await a.call("broadcast", ["hi", ["a"]])).result).toBe(2);
    expect(await b.ofType("broadcast")).toEqual({ type: "broadcast", text: "hi" });
    expect(await a.pending("broadcast")).toEqual([]);
    a.close();
    b.close();
  });

  it("closes connections with a code and reason", async () => {
    const client = await connect(`/agents/probe/${uniqueName("h")}`);
    await client.handshake();
    client.send({ type: "rpc", id: "c", method: "closeAll", args: [4001, "bye"] });
    await new Promise((resolve) => client.ws.addEventListener("close", resolve));
    expect(client.closeEvent).toEqual({ code: 4001, reason: "bye" });
  });
});
