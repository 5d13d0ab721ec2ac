// The chat-room example (examples/chat-room), served by the fixture worker.
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";

describe("example: chat room", () => {
  it("stores messages in SQL, broadcasts them, serves history over HTTP", async () => {
    const room = uniqueName("room");
    const alice = await connect(`/agents/chat-room/${room}`);
    const bob = await connect(`/agents/chat-room/${room}`);
    await alice.handshake();
    await bob.handshake();
    const sent = await alice.call("send", ["alice", "hello"]);
    expect(sent.result).toMatchObject({ id: 1, user: "alice", text: "hello" });
    expect((await bob.ofType("chat")).message).toMatchObject({ user: "alice", text: "hello" });
    expect((await alice.ofType("chat")).message.text).toBe("hello");

    bob.send({ type: "chat", user: "bob", text: "hi alice" });
    expect((await alice.ofType("chat")).message).toMatchObject({ id: 2, user: "bob" });

    const history = await (await fetchWorker(`/agents/chat-room/${room}/history?limit=10`)).json();
    expect(history.map((m) => `${m.user}: ${m.text}`)).toEqual(["alice: hello", "bob: hi alice"]);
    expect((await alice.call("recent", [1])).result.map((m) => m.text)).toEqual(["hi alice"]);
    alice.close();
    bob.close();
  });

  it("counts who is online in its synced state", async () => {
    const room = uniqueName("room");
    const a = await connect(`/agents/chat-room/${room}`);
    await a.handshake();
    expect((await a.next((f) => f.type === "cf_agent_state" && f.state.online === 1)).state.online).toBe(1);
    const b = await connect(`/agents/chat-room/${room}`);
    await b.handshake();
    expect((await a.next((f) => f.type === "cf_agent_state" && f.state.online === 2)).state.online).toBe(2);
    b.close();
    expect((await a.next((f) => f.type === "cf_agent_state" && f.state.online === 1)).state.online).toBe(1);
    a.close();
  });

  it("answers bad chat frames and bad messages with errors", async () => {
    const a = await connect(`/agents/chat-room/${uniqueName("room")}`);
    await a.handshake();
    a.send({ type: "chat", user: 5 });
    expect((await a.ofType("error")).error).toContain("expected");
    expect(await a.call("send", ["alice", ""])).toMatchObject({ success: false });
    a.close();
  });
});

describe("example: chat room, its inputs bounded", () => {
  it("keeps its state the server's: a client cannot push who is online", async () => {
    const a = await connect(`/agents/chat-room/${uniqueName("room")}`);
    await a.handshake();
    a.send({ type: "cf_agent_state", state: { online: 1000 } });
    expect((await a.ofType("cf_agent_state_error")).error).toBe("State update rejected");
    expect((await a.ofType("cf_agent_state")).state.online).toBe(1);
    a.close();
  });

  it("serves at most 500 messages of history, and says so", async () => {
    const room = uniqueName("room");
    const a = await connect(`/agents/chat-room/${room}`);
    await a.handshake();
    expect((await a.call("recent", [501])).error).toContain("at most 500");
    expect((await a.call("recent", [500])).result).toEqual([]);
    a.close();
    for (const limit of ["501", "abc", "-1"]) {
      const response = await fetchWorker(`/agents/chat-room/${room}/history?limit=${limit}`);
      expect(response.status, limit).toBe(400);
      expect(await response.text(), limit).toContain("at most 500");
    }
  });

  it("names the limits of users and texts, and refuses frames over 32 KiB", async () => {
    const a = await connect(`/agents/chat-room/${uniqueName("room")}`);
    await a.handshake();
    expect((await a.call("send", ["u".repeat(65), "hi"])).error).toContain("64 bytes");
    expect((await a.call("send", ["alice", "t".repeat(4097)])).error).toContain("4096 bytes");
    expect((await a.call("send", ["alice", "t".repeat(40_000)])).error).toContain("limit 32768");
    a.close();
  });
});
