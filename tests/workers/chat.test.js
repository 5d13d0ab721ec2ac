// Chat agents for the official `useAgentChat` hook, frame by frame: the
// fixture's ChatProbe (tests/fixture/src/chat_probe.rs) answers with the
// OpenAI-compatible stand-in, or plain text when the body asks.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RESPONSE, chunks, collect, openChat, request, textOf, user } from "./chat.js";
import { fetchWorker, uniqueName } from "./frames.js";

const open = (name) => openChat("chat-probe", name);

async function history(name) {
  const response = await fetchWorker(`/agents/chat-probe/${name}/get-messages`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json();
}

async function modelRequests() {
  return (await fetch(env.OPENAI_BASE_URL.replace(/\/v1$/, "/requests"))).json();
}

describe("a text turn", () => {
  it("streams start, step, text and finish with increasing seq, then done after the message is stored", async () => {
    const name = uniqueName("turn");
    const client = await open(name);
    const other = await open(name);
    request(client, "r1", [user("u1", "hello")]);
    const frames = await collect(client, "r1");
    const done = frames.at(-1);
    expect(done).toMatchObject({ done: true, body: "", outcome: "completed", messageIds: ["u1"] });
    const live = frames.slice(0, -1);
    expect(live.map((f) => f.seq)).toEqual(live.map((_, i) => i));
    expect(live.every((f) => f.done === false && f.replay === undefined)).toBe(true);
    const types = chunks(frames).map((c) => c.type);
    const deltas = types.filter((t) => t === "text-delta").length;
    expect(deltas).toBeGreaterThan(0);
    expect(types).toEqual([
      "start", "start-step", "text-start", ...Array(deltas).fill("text-delta"), "text-end", "finish-step", "finish",
    ]);
    const [start, , textStart] = chunks(frames);
    expect(chunks(frames).at(-1)).toEqual({ type: "finish", messageMetadata: { finishReason: "stop" } });
    expect(chunks(frames).filter((c) => c.type.startsWith("text-")).every((c) => c.id === textStart.id)).toBe(true);
    // The model got the system prompt and the conversation.
    expect(textOf(frames)).toBe("You said: hello (2 messages)");

    const stored = await history(name);
    expect(stored).toEqual([
      user("u1", "hello"),
      {
        id: start.messageId,
        role: "assistant",
        metadata: { finishReason: "stop" },
        parts: [{ type: "step-start" }, { type: "text", text: "You said: hello (2 messages)", state: "done" }],
      },
    ]);

    // The other connection saw the stream, and the transcript with the
    // answer before the terminal frame (so done follows storage).
    const seen = [];
    for (;;) {
      const f = await other.next((f) => f.type === "cf_agent_chat_messages" || (f.type === RESPONSE && f.id === "r1"));
      seen.push(f);
      if (f.done) break;
    }
    const transcripts = seen.filter((f) => f.type === "cf_agent_chat_messages");
    expect(transcripts[0].messages).toEqual([user("u1", "hello")]);
    expect(transcripts.at(-1).messages).toEqual(stored);
    expect(seen.indexOf(transcripts.at(-1))).toBeLessThan(seen.length - 1);
    expect(textOf(seen.filter((f) => f.type === RESPONSE))).toBe("You said: hello (2 messages)");
    // The requester gets no transcript for its own turn.
    expect(await client.pending("cf_agent_chat_messages")).toEqual([]);

    // The next turn gives the model the whole conversation.
    request(client, "r2", [...stored, user("u2", "again")]);
    expect(textOf(await collect(client, "r2"))).toBe("You said: again (4 messages)");
    const sent = (await modelRequests()).at(-1).body;
    expect(sent.messages).toEqual([
      { role: "system", content: "You are a test." },
      { role: "user", content: "hello" },
      { role: "assistant", content: "You said: hello (2 messages)" },
      { role: "user", content: "again" },
    ]);
    expect(sent.stream).toBe(true);
    expect((await history(name)).map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    client.close();
    other.close();
  });

  it("answers with the hook's own text, the body's custom fields reaching it", async () => {
    const name = uniqueName("text");
    const client = await open(name);
    request(client, "r1", [user("u1", "hi")], { mode: "text" });
    const frames = await collect(client, "r1");
    expect(textOf(frames)).toBe("plain answer to 1 messages");
    expect((await history(name))[1].parts[1]).toEqual({ type: "text", text: "plain answer to 1 messages", state: "done" });
    client.close();
  });

  it("keeps a 3 MB message whole (stored in pieces under the row limit)", async () => {
    const name = uniqueName("big");
    const client = await open(name);
    const big = "é".repeat(1_500_000) + "end";
    request(client, "r1", [user("u1", big)], { mode: "text" });
    expect((await collect(client, "r1")).at(-1).outcome).toBe("completed");
    const stored = await history(name);
    expect(stored[0].parts[0].text.length).toBe(big.length);
    expect(stored[0].parts[0].text === big).toBe(true);
    client.close();
  });
});

describe("cancel, clear, regenerate", () => {
  it("cancel ends the stream as aborted and stores exactly the text streamed", async () => {
    const name = uniqueName("cancel");
    const client = await open(name);
    request(client, "r1", [user("u1", "slow please")]);
    const early = [];
    while (early.filter((f) => f.body.includes("text-delta")).length < 3) {
      early.push(await client.next((f) => f.type === RESPONSE && f.id === "r1"));
    }
    client.send({ type: "cf_agent_chat_request_cancel", id: "r1" });
    const frames = [...early, ...(await collect(client, "r1"))];
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "aborted" });
    const streamed = textOf(frames);
    expect(streamed.startsWith("word0 word1 word2 ")).toBe(true);
    expect(streamed.length).toBeLessThan("word0 ".length * 20);
    const stored = await history(name);
    expect(stored).toHaveLength(2);
    expect(stored[1].parts.filter((p) => p.type === "text").map((p) => p.text)).toEqual([streamed]);
    // Nothing more comes for it.
    expect((await client.pending(RESPONSE, 300)).filter((f) => f.id === "r1")).toEqual([]);
    client.close();
  });

  it("clear empties the history and tells the other connections", async () => {
    const name = uniqueName("clear");
    const client = await open(name);
    const other = await open(name);
    request(client, "r1", [user("u1", "hi")], { mode: "text" });
    await collect(client, "r1");
    client.send({ type: "cf_agent_chat_clear" });
    expect(await other.ofType("cf_agent_chat_clear")).toEqual({ type: "cf_agent_chat_clear" });
    expect(await history(name)).toEqual([]);
    expect(await client.pending("cf_agent_chat_clear")).toEqual([]);
    client.close();
    other.close();
  });

  it("regenerate streams a new message id and leaves one assistant message", async () => {
    const name = uniqueName("regen");
    const client = await open(name);
    request(client, "r1", [user("u1", "hi")]);
    const first = chunks(await collect(client, "r1"))[0].messageId;
    const body = JSON.stringify({ messages: [user("u1", "hi")], trigger: "regenerate-message" });
    client.send({ id: "r2", init: { method: "POST", body }, type: "cf_agent_use_chat_request" });
    const frames = await collect(client, "r2");
    const second = chunks(frames)[0].messageId;
    expect(second).not.toBe(first);
    const stored = await history(name);
    expect(stored.map((m) => [m.role, m.id])).toEqual([["user", "u1"], ["assistant", second]]);
    client.close();
  });
});

describe("resume probes", () => {
  it("an idle agent answers resume_none with the probe id", async () => {
    const client = await open(uniqueName("idle"));
    client.send({ type: "cf_agent_stream_resume_request", probeId: "p1" });
    expect(await client.ofType("cf_agent_stream_resume_none")).toEqual({
      type: "cf_agent_stream_resume_none",
      reason: "idle",
      probeId: "p1",
    });
    client.close();
  });

  it("a socket that joins mid-stream gets nothing before its ack, then the replay and the live rest once", async () => {
    const name = uniqueName("resume");
    const client = await open(name);
    request(client, "r1", [user("u1", "slow please")]);
    const early = [];
    while (!early.some((f) => f.body.includes("text-delta"))) {
      early.push(await client.next((f) => f.type === RESPONSE && f.id === "r1"));
    }
    const late = await open(name);
    await new Promise((r) => setTimeout(r, 120));
    expect((await late.pending(RESPONSE, 0)).length).toBe(0);
    late.send({ type: "cf_agent_stream_resume_request", probeId: "p2" });
    expect(await late.ofType("cf_agent_stream_resuming")).toEqual({ type: "cf_agent_stream_resuming", id: "r1", probeId: "p2" });
    expect((await late.pending(RESPONSE, 100)).length).toBe(0);
    late.send({ type: "cf_agent_stream_resume_ack", id: "r1" });
    const seen = await collect(late, "r1");
    const replayed = seen.filter((f) => f.replay === true && !f.replayComplete);
    expect(replayed.length).toBeGreaterThan(2);
    expect(replayed.map((f) => f.seq)).toEqual(replayed.map((_, i) => i));
    const complete = seen.findIndex((f) => f.replayComplete === true);
    expect(complete).toBe(replayed.length);
    const liveRest = seen.slice(complete + 1, -1);
    expect(liveRest.every((f) => f.replay === undefined)).toBe(true);
    const seqs = [...replayed, ...liveRest].map((f) => f.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    const all = [...early, ...(await collect(client, "r1"))];
    expect(textOf(seen)).toBe(textOf(all));
    expect(textOf(all)).toBe(Array.from({ length: 20 }, (_, i) => `word${i} `).join(""));
    client.close();
    late.close();
  });
});

describe("bad chat frames: a clear error, nothing lost", () => {
  it("refuses malformed requests by their id and keeps the history", async () => {
    const name = uniqueName("bad");
    const client = await open(name);
    request(client, "r1", [user("u1", "hi")], { mode: "text" });
    await collect(client, "r1");
    const before = await history(name);
    const cases = [
      [{ id: "b1", init: { method: "POST", body: "{oops" } }, "the body is not JSON"],
      [{ id: "b2", init: { method: "POST", body: JSON.stringify({ messages: "no" }) } }, "`messages` must be an array"],
      [{ id: "b3", init: { method: "POST", body: JSON.stringify({ messages: [{ id: 5, role: "user", parts: [] }] }) } }, "`id` must be a non-empty string"],
      [{ id: "b4", init: { method: "POST", body: JSON.stringify({ messages: [], trigger: 3 }) } }, "`trigger` must be"],
      [{ id: "b5", init: { method: "POST", body: 42 } }, "`init.body` must be a JSON string"],
      [{ id: "b6", init: { method: "GET", body: "{}" } }, "`init.method` must be \"POST\""],
    ];
    for (const [frame, error] of cases) {
      client.send({ ...frame, type: "cf_agent_use_chat_request" });
      const answer = await client.next((f) => f.type === RESPONSE && f.id === frame.id);
      expect(answer).toMatchObject({ done: true, error: true });
      expect(answer.body).toContain(error);
    }
    client.send({ type: "cf_agent_chat_messages", messages: 7 });
    expect((await client.ofType("cf_agent_chat_error")).error).toContain("`messages` must be an array");
    client.send({ type: "cf_agent_chat_request_cancel", id: 3 });
    expect((await client.ofType("cf_agent_chat_error")).error).toContain("`id` must be a string");
    client.send({ type: "cf_agent_use_chat_request", init: { method: "POST", body: "{}" } });
    expect((await client.ofType("cf_agent_chat_error")).error).toContain("`id` must be a non-empty string");
    expect(await history(name)).toEqual(before);
    // And the agent still chats.
    request(client, "r2", [...before, user("u2", "still there?")], { mode: "text" });
    expect(textOf(await collect(client, "r2"))).toBe("plain answer to 3 messages");
    client.close();
  });

  it("a failing hook ends the turn with its error and keeps the text streamed", async () => {
    const name = uniqueName("fail");
    const client = await open(name);
    request(client, "r1", [user("u1", "hi")], { mode: "fail" });
    const frames = await collect(client, "r1");
    expect(frames.at(-1)).toMatchObject({ done: true, error: true, body: "the probe failed on purpose" });
    expect(textOf(frames)).toBe("before the failure");
    expect((await history(name))[1].parts[1]).toEqual({ type: "text", text: "before the failure", state: "done" });
    request(client, "r2", [user("u1", "hi")], { mode: "bad-chunk" });
    const bad = (await collect(client, "r2")).at(-1);
    expect(bad).toMatchObject({ done: true, error: true });
    expect(bad.body).toContain("not started");
    client.close();
  });

  it("a model failure mid-stream is an error chunk after the partial text, outcome error", async () => {
    const name = uniqueName("midway");
    const client = await open(name);
    request(client, "r1", [user("u1", "fail midway")]);
    const frames = await collect(client, "r1");
    expect(textOf(frames)).toBe("partial");
    expect(chunks(frames).find((c) => c.type === "error").errorText).toContain("upstream exploded");
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "error" });
    expect((await history(name))[1].parts[1].text).toBe("partial");
    client.close();
  });

  it("an agent that is not a chat agent has no get-messages and hands chat frames on", async () => {
    const response = await fetchWorker(`/agents/ai-probe/${uniqueName("plain")}/get-messages`);
    expect(response.status).toBe(404);
  });
});
