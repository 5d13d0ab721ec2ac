// Durable chat streams: every chunk stored before it is sent (a replay reads
// storage), a stream cut by an eviction finished as aborted at the next
// wake (the instance torn down mid-stream), the last request's body and client tools kept for a continuation,
// and `resume_none` with `continuation-owned`. Agents: the fixture's
// ChatProbe and ToolChat, answered by the OpenAI-compatible stand-in.
import { abortAllDurableObjects, evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RESPONSE, chunks, collect, openChat, request, textOf, user } from "./chat.js";
import { fetchWorker, uniqueName } from "./frames.js";

const calls = (...list) => `call:${JSON.stringify(list.map(([name, args]) => ({ name, arguments: args })))}`;

async function history(agent, name) {
  const response = await fetchWorker(`/agents/${agent}/${name}/get-messages`);
  expect(response.status).toBe(200);
  return response.json();
}

async function modelRequests(marker) {
  const all = await (await fetch(env.OPENAI_BASE_URL.replace(/\/v1$/, "/requests"))).json();
  return all.map((r) => r.body).filter((b) => b.messages.some((m) => m.role === "user" && m.content.includes(marker)));
}

/** Waits for `count` text deltas of request `id`; returns the frames so far. */
async function until(client, id, count) {
  const frames = [];
  while (frames.filter((f) => f.body.includes("text-delta")).length < count) {
    frames.push(await client.next((f) => f.type === RESPONSE && f.id === id));
  }
  return frames;
}

/** Probes and expects `stream_resume_none` with `reason`, echoing the probe id. */
async function expectNone(client, probeId, reason = "idle") {
  client.send({ type: "cf_agent_stream_resume_request", probeId });
  expect(await client.ofType("cf_agent_stream_resume_none")).toEqual({ type: "cf_agent_stream_resume_none", reason, probeId });
}

/** Probes, expects `stream_resuming` for `id`, acknowledges and returns the replay. */
async function resume(client, id, probeId) {
  client.send({ type: "cf_agent_stream_resume_request", probeId });
  expect(await client.ofType("cf_agent_stream_resuming")).toEqual({ type: "cf_agent_stream_resuming", id, probeId });
  client.send({ type: "cf_agent_stream_resume_ack", id });
  return collect(client, id);
}

describe("chunks stored before they are sent", () => {
  it("replays a 3 MB chunk whole from storage, each chunk with its live seq, nothing twice", async () => {
    const name = uniqueName("big-chunk");
    const client = await openChat("chat-probe", name);
    request(client, "r1", [user("u1", "slow please")], { mode: "big" });
    const early = await until(client, "r1", 2);
    const late = await openChat("chat-probe", name);
    const seen = await resume(late, "r1", "p1");
    const replayed = seen.filter((f) => f.replay === true && !f.replayComplete && !f.done);
    expect(replayed.map((f) => f.seq)).toEqual(replayed.map((_, i) => i));
    const big = chunks(replayed).find((c) => c.type === "data-big");
    expect(big.data.length).toBe(3 * 1024 * 1024);
    expect(big.data === "b".repeat(3 * 1024 * 1024)).toBe(true);
    const live = seen.slice(seen.findIndex((f) => f.replayComplete) + 1, -1);
    const seqs = [...replayed, ...live].map((f) => f.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    const all = [...early, ...(await collect(client, "r1"))];
    expect(all.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    expect(textOf(seen)).toBe(textOf(all));
    const stored = await history("chat-probe", name);
    expect(stored[1].parts.find((p) => p.type === "data-big").data.length).toBe(3 * 1024 * 1024);
    client.close();
    late.close();
  });
});

describe("a stream cut by an eviction", () => {
  it("is stored as aborted at the next wake, replayed to a probe with its seq and done aborted; the next turn works", async () => {
    const name = uniqueName("evicted");
    const first = await openChat("chat-probe", name);
    request(first, "r1", [user("u1", "crawl please")]);
    const before = await until(first, "r1", 3);
    // `evictDurableObject` lets in-flight events drain first (the stream
    // would finish); this tears the instance down mid-stream, storage kept.
    await abortAllDurableObjects();

    // get-messages wakes the instance: the partial is stored, marked aborted.
    const stored = await history("chat-probe", name);
    expect(stored.length).toBe(2);
    const [, partial] = stored;
    expect(partial.id).toBe(chunks(before)[0].messageId);
    expect(partial.metadata).toEqual({ outcome: "aborted" });
    expect(partial.parts[0]).toEqual({ type: "step-start" });
    expect(partial.parts[1].state).toBe("done");
    const text = partial.parts[1].text;
    expect(text.startsWith(textOf(before))).toBe(true);

    // A client that probes gets the stream replayed, then done: aborted.
    const client = await openChat("chat-probe", name);
    const replay = await resume(client, "r1", "p1");
    const last = replay.at(-1);
    expect(last).toMatchObject({ done: true, replay: true, outcome: "aborted" });
    const replayed = replay.slice(0, -1);
    expect(replayed.every((f) => f.replay === true && f.done === false)).toBe(true);
    expect(replayed.map((f) => f.seq)).toEqual(replayed.map((_, i) => i));
    expect(before.map((f) => f.body)).toEqual(replayed.slice(0, before.length).map((f) => f.body));
    expect(textOf(replayed)).toBe(text);
    // The replay ends the text part the eviction left open (the client's message is whole).
    const textId = replayed.map((f) => JSON.parse(f.body)).find((c) => c.type === "text-start").id;
    expect(JSON.parse(replayed.at(-1).body)).toEqual({ type: "text-end", id: textId });
    expect(replayed.filter((f) => JSON.parse(f.body).type === "text-end")).toHaveLength(1);

    // The next turn is an ordinary one, after the aborted answer.
    request(client, "r2", [...stored, user("u2", "hello")]);
    const next = await collect(client, "r2");
    expect(next.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    expect(textOf(next)).toBe("You said: hello (4 messages)");
    const after = await history("chat-probe", name);
    expect(after.map((m) => m.id).slice(0, 3)).toEqual(["u1", partial.id, "u2"]);
    expect(after[1]).toEqual(partial);
    expect(after.length).toBe(4);
    await expectNone(client, "p2");
    client.close();
  });
});

describe("the replay of a stream an eviction cut", () => {
  it("is offered to the tabs that probed before it was first replayed, and then to nobody", async () => {
    const name = uniqueName("orphan-once");
    const first = await openChat("chat-probe", name);
    request(first, "r1", [user("u1", "crawl please")]);
    await until(first, "r1", 3);
    await abortAllDurableObjects();
    const [, partial] = await history("chat-probe", name);
    expect(partial.metadata).toEqual({ outcome: "aborted" });

    // Two tabs reload and probe before either acknowledges: both get it.
    const a = await openChat("chat-probe", name);
    const b = await openChat("chat-probe", name);
    b.send({ type: "cf_agent_stream_resume_request", probeId: "pb" });
    expect(await b.ofType("cf_agent_stream_resuming")).toEqual({ type: "cf_agent_stream_resuming", id: "r1", probeId: "pb" });
    const replayA = await resume(a, "r1", "pa");
    expect(replayA.at(-1)).toMatchObject({ done: true, replay: true, outcome: "aborted" });
    b.send({ type: "cf_agent_stream_resume_ack", id: "r1" });
    const replayB = await collect(b, "r1");
    expect(replayB.map((f) => f.body)).toEqual(replayA.map((f) => f.body));
    expect(textOf(replayB)).toBe(partial.parts[1].text);

    // Once replayed, the stored message is the answer: a later probe, from a
    // new tab or from a tab that had it, finds nothing to resume.
    const c = await openChat("chat-probe", name);
    await expectNone(c, "pc");
    await expectNone(a, "pa2");
    // An acknowledgement nobody asked for gets the stream's end, not a replay.
    c.send({ type: "cf_agent_stream_resume_ack", id: "r1" });
    const unasked = await collect(c, "r1");
    expect(unasked).toHaveLength(1);
    expect(unasked[0]).toMatchObject({ done: true, body: "" });
    for (const client of [first, a, b, c]) client.close();
  });
});

describe("cut streams that cannot be finished", () => {
  it("are kept and tried again at each wake, and do not stop the others from being finished", async () => {
    const name = uniqueName("refused");
    const client = await openChat("chat-probe", name);
    request(client, "r1", [user("u1", "crawl please")]);
    const first = await until(client, "r1", 2);
    const refused = chunks(first)[0].messageId;
    const refusing = await client.call("refuseMessage", [refused]);
    expect(refusing.error).toBeUndefined();
    expect(refusing.success).toBe(true);
    await abortAllDurableObjects();

    // The wake cannot store r1's partial answer: its stream stays stored.
    const woken = await openChat("chat-probe", name);
    expect((await history("chat-probe", name)).map((m) => m.id)).toEqual(["u1"]);
    expect((await woken.call("storedStreams")).result).toEqual(["r1"]);

    // A second answer is cut too; the next wake finishes it, and r1 still waits.
    request(woken, "r2", [user("u1", "crawl please"), user("u2", "crawl again")]);
    await until(woken, "r2", 2);
    await abortAllDurableObjects();
    const later = await openChat("chat-probe", name);
    const stored = await history("chat-probe", name);
    expect(stored.map((m) => m.role)).toEqual(["user", "user", "assistant"]);
    expect(stored[2].metadata).toEqual({ outcome: "aborted" });
    expect((await later.call("storedStreams")).result).toEqual(["r1"]);

    // Once the message can be stored, the wake after finishes r1 as well.
    expect(await later.call("allowMessages")).toMatchObject({ success: true });
    await abortAllDurableObjects();
    const last = await openChat("chat-probe", name);
    const all = await history("chat-probe", name);
    expect(all.map((m) => m.id)).toContain(refused);
    expect(all.find((m) => m.id === refused).metadata).toEqual({ outcome: "aborted" });
    expect((await last.call("storedStreams")).result).toEqual([]);
    for (const c of [client, woken, later, last]) c.close();
  });
});

describe("the last request's context", () => {
  it("keeps what a stored answer had when a request extending it is cut by eviction", async () => {
    const name = uniqueName("extended");
    const client = await openChat("chat-probe", name);
    request(client, "r1", [user("u1", "slow please")]);
    expect((await collect(client, "r1")).at(-1)).toMatchObject({ done: true, outcome: "completed" });
    const [, answer] = await history("chat-probe", name);
    // A request whose list ends with that answer extends it (the hook sends one after a tool result without
    // autoContinue); it is cut mid-stream.
    request(client, "r2", [user("u1", "slow please crawl"), answer]);
    await until(client, "r2", 3);
    await abortAllDurableObjects();
    const stored = await history("chat-probe", name);
    expect(stored.map((m) => m.id)).toEqual(["u1", answer.id]);
    const extended = stored[1];
    expect(extended.metadata).toMatchObject({ outcome: "aborted" });
    // Everything the answer had is still there, then the part the cut reply got to.
    expect(extended.parts.slice(0, answer.parts.length)).toEqual(answer.parts);
    expect(extended.parts.length).toBeGreaterThan(answer.parts.length);
  });

  it("gives a continuation after an eviction the same client tools and body", async () => {
    const name = uniqueName("context");
    const stub = env.ToolChat.get(env.ToolChat.idFromName(name));
    const clientTools = [{ name: "pick_color", description: "Lets the user pick a color", parameters: { type: "object", properties: {} } }];
    const first = await openChat("tool-chat", name);
    const marker = `trip ${name}`;
    request(first, "r1", [user("u1", `${marker} ${calls(["book_flight", { flight_id: "F9" }])}`)], { clientTools, seat: "window" });
    const frames = await collect(first, "r1");
    const { toolCallId } = chunks(frames).find((c) => c.type === "tool-approval-request");
    first.close();
    await evictDurableObject(stub);

    const client = await openChat("tool-chat", name);
    client.send({ type: "cf_agent_tool_approval", toolCallId, approved: true, autoContinue: true });
    client.send({ type: "cf_agent_stream_resume_request", probeId: "p1" });
    const resuming = await client.ofType("cf_agent_stream_resuming");
    client.send({ type: "cf_agent_stream_resume_ack", id: resuming.id });
    const more = await collect(client, resuming.id);
    expect(more.at(-1)).toMatchObject({ done: true, continuation: true, outcome: "completed" });
    expect(textOf(more)).toBe(`Tools said: ${toolCallId}={"booked":"F9"}`);

    const requests = await modelRequests(marker);
    expect(requests.length).toBe(2);
    for (const body of requests) {
      expect(body.tools.find((t) => t.function.name === "pick_color").function).toEqual(clientTools[0]);
    }
    expect((await client.call("bodies")).result).toEqual([
      { continuation: false, body: { seat: "window" } },
      { continuation: true, body: { seat: "window" } },
    ]);
    client.close();
  });
});

describe("resume_none reasons", () => {
  it("a probe from another tab while a tab's continuation streams gets continuation-owned", async () => {
    const name = uniqueName("owned");
    const owner = await openChat("tool-chat", name);
    const other = await openChat("tool-chat", name);
    request(owner, "r1", [user("u1", `crawl ${calls(["get_user_location", {}])}`)]);
    const frames = await collect(owner, "r1");
    const { toolCallId } = chunks(frames).find((c) => c.type === "tool-input-available");
    owner.send({ type: "cf_agent_tool_result", toolCallId, toolName: "get_user_location", output: "Oslo", autoContinue: true });
    owner.send({ type: "cf_agent_stream_resume_request", probeId: "mine" });
    const resuming = await owner.next((f) => f.type === "cf_agent_stream_resuming" && f.probeId === "mine");
    owner.send({ type: "cf_agent_stream_resume_ack", id: resuming.id });
    // The continuation is live (the stand-in waits 1 s mid-answer).
    const delta = await owner.next((f) => f.type === RESPONSE && f.id === resuming.id && f.body.includes("text-delta"));
    await expectNone(other, "theirs", "continuation-owned");
    const more = await collect(owner, resuming.id);
    expect(more.at(-1)).toMatchObject({ done: true, continuation: true, outcome: "completed" });
    expect(textOf([delta, ...more])).toBe(`Tools said: ${toolCallId}="Oslo"`);
    owner.close();
    other.close();
  });
});

describe("tool input streamed as it comes", () => {
  it("starts each call when its name is known and sends a delta per fragment, parallel calls interleaved", async () => {
    const name = uniqueName("tool-input");
    const client = await openChat("tool-chat", name);
    const text = `two searches ${calls(["search_flights", { from: "OSL", to: "BER" }], ["search_flights", { from: "BER", to: "OSL" }])}`;
    request(client, "r1", [user("u1", text)]);
    const frames = await collect(client, "r1");
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    const all = chunks(frames);
    const starts = all.filter((c) => c.type === "tool-input-start");
    expect(starts.map((c) => c.toolName)).toEqual(["search_flights", "search_flights"]);
    const [a, b] = starts.map((c) => c.toolCallId);
    expect(a).not.toBe(b);
    const at = (type, id) => all.findIndex((c) => c.type === type && c.toolCallId === id);
    const deltas = all.filter((c) => c.type === "tool-input-delta");
    for (const [id, input] of [[a, { from: "OSL", to: "BER" }], [b, { from: "BER", to: "OSL" }]]) {
      const own = deltas.filter((c) => c.toolCallId === id);
      expect(own.length).toBeGreaterThan(3);
      expect(own.map((c) => c.inputTextDelta).join("")).toBe(JSON.stringify(input));
      // start, then every delta, then the parsed input.
      const indexes = all.map((c, i) => (c.type === "tool-input-delta" && c.toolCallId === id ? i : -1)).filter((i) => i >= 0);
      expect(at("tool-input-start", id)).toBeLessThan(indexes[0]);
      expect(at("tool-input-available", id)).toBeGreaterThan(indexes.at(-1));
      expect(all[at("tool-input-available", id)]).toEqual({ type: "tool-input-available", toolCallId: id, toolName: "search_flights", input });
    }
    // Interleaved: the second call starts before the first one's input is complete.
    expect(at("tool-input-start", b)).toBeLessThan(all.findLastIndex((c) => c.type === "tool-input-delta" && c.toolCallId === a));
    const [, assistant] = await history("tool-chat", name);
    expect(assistant.parts.filter((p) => p.type === "tool-search_flights").map((p) => p.state)).toEqual(["output-available", "output-available"]);
    client.close();
  });
});
