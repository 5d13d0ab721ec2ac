// The reminders example (examples/reminders), served by the fixture worker.
import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

describe("example: reminders", () => {
  it("schedules from RPC and pushes a message to clients when it fires", async () => {
    const name = uniqueName("rem");
    const a = await connect(`/agents/reminders/${name}`);
    const b = await connect(`/agents/reminders/${name}`);
    await a.handshake();
    await b.handshake();
    const reply = await a.call("remind", ["stretch", 0.2]);
    expect(reply.result).toMatchObject({ kind: "delayed", payload: { text: "stretch" } });
    expect(await b.ofType("reminder", 5_000)).toEqual({ type: "reminder", text: "stretch" });
    expect((await b.next((f) => f.type === "cf_agent_state" && f.state.fired.length === 1)).state.fired).toEqual(["stretch"]);
    a.close();
    b.close();
  });
});
