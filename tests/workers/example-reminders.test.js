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

describe("example: reminders, their inputs bounded", () => {
  async function reminders() {
    const client = await connect(`/agents/reminders/${uniqueName("rem")}`);
    await client.handshake();
    return client;
  }

  it("refuses a delay over a year, a text over 1000 bytes, and a 10 MB frame", async () => {
    const client = await reminders();
    expect((await client.call("remind", ["later", 1e12])).error).toContain("at most 31536000 seconds");
    expect((await client.call("remind", ["later", 31_536_001])).error).toContain("at most 31536000 seconds");
    expect((await client.call("remind", ["x".repeat(1001), 60])).error).toContain("at most 1000 bytes");
    expect((await client.call("remind", ["", 60])).error).toContain("at least 1 byte");
    expect((await client.call("remind", ["x".repeat(10_000_000), 60])).error).toContain("limit 16384");
    expect((await client.call("list", [])).result).toEqual([]);
    expect((await client.call("remind", ["next year", 31_536_000])).success).toBe(true);
    client.close();
  });

  it("bounds cron reminders: text, expression and zone", async () => {
    const client = await reminders();
    const expression = `${"0,".repeat(60)}0 * * * *`;
    expect((await client.call("remindCron", ["hourly", expression])).error).toContain("at most 100 bytes");
    expect((await client.call("remindCron", ["x".repeat(1001), "0 * * * *"])).error).toContain("at most 1000 bytes");
    expect((await client.call("remindCron", ["hourly", "0 * * * *", "Z".repeat(65)])).error).toContain(
      "at most 64 bytes",
    );
    expect((await client.call("cancel", ["i".repeat(65)])).error).toContain("at most 64 bytes");
    expect((await client.call("remindCron", ["hourly", "0 * * * *", "Europe/Paris"])).success).toBe(true);
    client.close();
  });

  it("keeps at most 100 pending reminders", async () => {
    const client = await reminders();
    for (let i = 0; i < 100; i++) {
      expect((await client.call("remind", [`r${i}`, 3600])).success, `reminder ${i}`).toBe(true);
    }
    expect((await client.call("remind", ["one too many", 3600])).error).toContain("at most 100 pending");
    expect((await client.call("list", [])).result).toHaveLength(100);
    client.close();
  });

  it("keeps its state the server's: a client cannot push fired reminders", async () => {
    const client = await reminders();
    client.send({ type: "cf_agent_state", state: { fired: ["forged"] } });
    expect((await client.ofType("cf_agent_state_error")).error).toBe("State update rejected");
    expect((await client.ofType("cf_agent_state")).state.fired).toEqual([]);
    client.close();
  });
});

describe("example: reminders, their synced state bounded", () => {
  it("keeps the last 50 fired reminders in its state", async () => {
    const client = await connect(`/agents/reminders/${uniqueName("rem")}`);
    await client.handshake();
    for (let i = 0; i <= 50; i++) expect((await client.call("remind", [`r${i}`, 0])).success, `reminder ${i}`).toBe(true);
    const last = await client.next((f) => f.type === "cf_agent_state" && f.state.fired.at(-1) === "r50", 10_000);
    expect(last.state.fired).toHaveLength(50);
    expect(last.state.fired[0]).toBe("r1");
    client.close();
  });
});
