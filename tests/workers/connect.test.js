import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

describe("connect", () => {
  it("sends identity, then state, then the MCP-servers frame", async () => {
    const name = uniqueName("c");
    const client = await connect(`/agents/probe/${name}?_pk=client-1`);
    const { identity, state, mcp } = await client.handshake();
    expect(identity).toEqual({ type: "cf_agent_identity", name, agent: "probe", stateFollows: true });
    expect(state).toEqual({ type: "cf_agent_state", state: { count: 0, items: [], blob: "" } });
    expect(mcp).toEqual({ type: "cf_agent_mcp_servers", mcp: { prompts: [], resources: [], servers: {}, tools: [] } });
    client.close();
  });

  it("sends no state frame for an agent without state", async () => {
    const client = await connect(`/agents/jobs/${uniqueName("j")}`);
    const identity = await client.next();
    expect(identity).toEqual({ type: "cf_agent_identity", name: identity.name, agent: "jobs" });
    expect((await client.next()).type).toBe("cf_agent_mcp_servers");
    client.close();
  });

  it("uses the client's _pk as the connection id and keeps extra tags", async () => {
    const client = await connect(`/agents/probe/${uniqueName("p")}?_pk=my-id&tag=blue&tag=green`);
    await client.handshake();
    client.send("whoami");
    const me = await client.ofType("whoami");
    expect(me.id).toBe("my-id");
    expect(me.tags).toEqual(["my-id", "blue", "green"]);
    expect(me.visitor.greeting).toBe("hello my-id");
    client.close();
  });

  it("generates a connection id when the client sends no _pk", async () => {
    const client = await connect(`/agents/probe/${uniqueName("p")}`);
    await client.handshake();
    client.send("whoami");
    const me = await client.ofType("whoami");
    expect(me.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    client.close();
  });

  it("tolerates two connections with the same _pk", async () => {
    const name = uniqueName("p");
    const a = await connect(`/agents/probe/${name}?_pk=same`);
    const b = await connect(`/agents/probe/${name}?_pk=same`);
    await a.handshake();
    await b.handshake();
    a.send({ type: "cf_agent_state", state: { count: 4, items: [] } });
    expect((await b.ofType("cf_agent_state")).state.count).toBe(4);
    a.close();
    b.close();
  });

  it("survives a panic in on_connect: the socket stays usable", async () => {
    const client = await connect(`/agents/probe/${uniqueName("p")}?panic-on-connect=1`);
    await client.handshake();
    expect((await client.call("echo", [1])).result).toBe(1);
    client.close();
  });
});
