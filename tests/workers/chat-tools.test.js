// Chat tools, frame by frame: the fixture's ToolChat
// (tests/fixture/src/tool_chat.rs) has a server tool (search_flights), one
// that needs approval (book_flight), a browser tool (get_user_location) and a
// failing one (explode), at most 3 model calls a turn. The OpenAI-compatible
// stand-in calls the tools a user message names with `call:[...]` and then
// echoes the tool results it was sent ("Tools said: <id>=<content> | ...").
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RESPONSE, chunks, collect, openChat, request, textOf, user } from "./chat.js";
import { fetchWorker, uniqueName } from "./frames.js";

const DENIED = "The user denied this tool call; it did not run.";
const calls = (...list) => `call:${JSON.stringify(list.map(([name, args]) => ({ name, arguments: args })))}`;
const stub = (name) => env.ToolChat.get(env.ToolChat.idFromName(name));
const types = (frames) => chunks(frames).map((c) => c.type);
const open = (name) => openChat("tool-chat", name);
const ofType = (frames, type) => chunks(frames).filter((c) => c.type === type);

async function history(name) {
  const response = await fetchWorker(`/agents/tool-chat/${name}/get-messages`);
  expect(response.status).toBe(200);
  return response.json();
}

async function modelRequests(marker) {
  const all = await (await fetch(env.OPENAI_BASE_URL.replace(/\/v1$/, "/requests"))).json();
  return all.map((r) => r.body).filter((b) => b.messages.some((m) => m.role === "user" && m.content.includes(marker)));
}

/** A turn that ends waiting for the browser or a person: its frames and stored message. */
async function pausedTurn(client, name, text, extra) {
  request(client, "r1", [user("u1", text)], extra);
  const frames = await collect(client, "r1");
  expect(frames.at(-1)).toMatchObject({ done: true, outcome: "completed" });
  const [assistant] = (await history(name)).slice(1);
  return { frames, assistant, messageId: chunks(frames)[0].messageId };
}

/**
 * Sends a tool frame and at once a resume probe, as the hook does; expects
 * message_updated, stream_pending then stream_resuming for a new request id,
 * acknowledges it and returns the continuation's frames and the updated message.
 */
async function continueWith(client, frame, probeId = "probe-1") {
  client.send(frame);
  client.send({ type: "cf_agent_stream_resume_request", probeId });
  const updated = await client.ofType("cf_agent_message_updated");
  const answers = [];
  for (;;) {
    const f = await client.next((f) => f.type.startsWith("cf_agent_stream_") && f.probeId === probeId);
    answers.push(f);
    if (f.type !== "cf_agent_stream_pending") break;
  }
  expect(answers.map((f) => f.type)).toEqual(["cf_agent_stream_pending", "cf_agent_stream_resuming"]);
  const resuming = answers.at(-1);
  expect(resuming.id).not.toBe("r1");
  client.send({ type: "cf_agent_stream_resume_ack", id: resuming.id });
  const frames = await collect(client, resuming.id);
  return { updated: updated.message, frames, id: resuming.id };
}

const partOf = (message, toolCallId) => message.parts.find((p) => p.toolCallId === toolCallId);

describe("a server tool", () => {
  it("runs in the agent, its output streamed and given to the model, one assistant message stored", async () => {
    const name = uniqueName("server");
    const client = await open(name);
    const text = `flights please ${calls(["search_flights", { from: "OSL", to: "BER" }])}`;
    request(client, "r1", [user("u1", text)]);
    const frames = await collect(client, "r1");
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "completed", messageIds: ["u1"] });
    const live = frames.slice(0, -1);
    expect(live.map((f) => f.seq)).toEqual(live.map((_, i) => i));
    expect(live.every((f) => f.continuation === undefined)).toBe(true);
    const deltas = types(frames).filter((t) => t === "tool-input-delta").length;
    const textDeltas = types(frames).filter((t) => t === "text-delta").length;
    // The arguments stream as the model sends them (the stand-in: 4 characters a piece).
    expect(deltas).toBeGreaterThan(3);
    expect(ofType(frames, "tool-input-delta").map((c) => c.inputTextDelta).join("")).toBe('{"from":"OSL","to":"BER"}');
    expect(types(frames)).toEqual([
      "start", "start-step",
      "tool-input-start", ...Array(deltas).fill("tool-input-delta"), "tool-input-available", "tool-output-available",
      "finish-step", "start-step",
      "text-start", ...Array(textDeltas).fill("text-delta"), "text-end",
      "finish-step", "finish",
    ]);
    const [start] = chunks(frames);
    const [available] = ofType(frames, "tool-input-available");
    const id = available.toolCallId;
    expect(id).toMatch(/^call_\d+_0$/);
    expect(available).toEqual({ type: "tool-input-available", toolCallId: id, toolName: "search_flights", input: { from: "OSL", to: "BER" } });
    const flights = [
      { id: "OSLBER-1", from: "OSL", to: "BER" },
      { id: "OSLBER-2", from: "OSL", to: "BER" },
    ];
    expect(ofType(frames, "tool-output-available")).toEqual([{ type: "tool-output-available", toolCallId: id, output: flights }]);
    // The model reads the output as JSON text (object keys in order).
    const asJson = JSON.stringify(flights.map(({ id, from, to }) => ({ from, id, to })));
    expect(textOf(frames)).toBe(`Tools said: ${id}=${asJson}`);

    const stored = await history(name);
    expect(stored.length).toBe(2);
    expect(stored[1]).toEqual({
      id: start.messageId,
      role: "assistant",
      metadata: { finishReason: "stop" },
      parts: [
        { type: "step-start" },
        { type: "tool-search_flights", toolCallId: id, state: "output-available", input: { from: "OSL", to: "BER" }, output: flights },
        { type: "step-start" },
        { type: "text", text: `Tools said: ${id}=${asJson}`, state: "done" },
      ],
    });

    // The model was offered the tools with schemas from their Rust types, and
    // got the call and its result in the OpenAI form.
    const [first, second] = await modelRequests("flights please");
    const search = first.tools.find((t) => t.function.name === "search_flights");
    expect(search.type).toBe("function");
    expect(search.function.parameters).toMatchObject({
      type: "object",
      properties: { from: { type: "string" }, to: { type: "string" } },
      required: ["from", "to"],
    });
    expect(first.tools.map((t) => t.function.name).sort()).toEqual(["book_flight", "explode", "get_user_location", "search_flights"]);
    expect(second.messages.slice(-2)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "search_flights", arguments: '{"from":"OSL","to":"BER"}' } }] },
      { role: "tool", content: asJson, tool_call_id: id },
    ]);
    client.close();
  });

  it("tells the model a tool's error, bad arguments and an unknown tool, and goes on", async () => {
    const name = uniqueName("errors");
    const client = await open(name);
    const text = `mixed bag ${calls(["explode", { reason: "boom" }], ["search_flights", { from: 1 }], ["no_such_tool", {}])}`;
    request(client, "r1", [user("u1", text)]);
    const frames = await collect(client, "r1");
    expect(frames.at(-1).outcome).toBe("completed");
    const errors = ofType(frames, "tool-output-error");
    expect(errors.map((e) => e.errorText)).toEqual([
      "exploded: boom",
      expect.stringContaining("Invalid arguments for tool search_flights"),
      "No tool named no_such_tool",
    ]);
    const said = textOf(frames);
    expect(said).toContain("=Error: exploded: boom");
    expect(said).toContain("=Error: No tool named no_such_tool");
    const stored = (await history(name))[1];
    expect(stored.parts.filter((p) => p.state === "output-error").length).toBe(3);
    client.close();
  });

  it("stops after the step limit (3 model calls) when the model keeps calling tools", async () => {
    const name = uniqueName("steps");
    const client = await open(name);
    request(client, "r1", [user("u1", `loop forever ${name} call-always:[{"name":"search_flights","arguments":{"from":"A","to":"B"}}]`)]);
    const frames = await collect(client, "r1");
    expect(frames.at(-1).outcome).toBe("completed");
    expect(ofType(frames, "tool-output-available").length).toBe(3);
    expect(types(frames).filter((t) => t === "start-step").length).toBe(3);
    expect(types(frames).at(-1)).toBe("finish");
    expect((await modelRequests(`loop forever ${name}`)).length).toBe(3);
    client.close();
  });

  it("gives the model the agent's context, read again before each call; a failed read ends the turn with its error", async () => {
    const name = uniqueName("context");
    const client = await open(name);
    const marker = `context ${name}`;
    request(client, "r1", [user("u1", `${marker} ${calls(["search_flights", { from: "OSL", to: "BER" }])}`)], { context: "CTX" });
    expect((await collect(client, "r1")).at(-1)).toMatchObject({ done: true, outcome: "completed" });
    const sent = await modelRequests(marker);
    expect(sent.map((b) => b.messages.filter((m) => m.role === "system").map((m) => m.content))).toEqual([
      ["You book flights.", "CTX (read 1)"],
      ["You book flights.", "CTX (read 2)"],
    ]);
    expect(sent.map((b) => b.messages.findIndex((m) => m.content === "CTX (read 1)" || m.content === "CTX (read 2)"))).toEqual([1, 1]);

    // The second read fails: the tool's output is kept, the model is not called again.
    const failing = `fails ${name}`;
    const before = await history(name);
    request(client, "r2", [...before, user("u2", `${failing} ${calls(["search_flights", { from: "OSL", to: "BER" }])}`)], {
      context: "CTX", contextFailsAt: 2,
    });
    const frames = await collect(client, "r2");
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "error" });
    const [error] = ofType(frames, "error");
    expect(error.errorText).toContain("the context could not be read (read 2)");
    expect((await modelRequests(failing)).length).toBe(1);
    const stored = await history(name);
    expect(stored.map((m) => m.id).slice(0, 3)).toEqual(before.map((m) => m.id).concat("u2"));
    const answer = stored[3];
    expect(answer.parts.find((p) => p.type === "tool-search_flights").state).toBe("output-available");
    client.close();
  });

  it("works with the Workers AI binding's tool calls", async () => {
    const name = uniqueName("wai");
    const client = await open(name);
    request(client, "r1", [user("u1", calls(["search_flights", { from: "X", to: "Y" }]))], { provider: "workers-ai" });
    const frames = await collect(client, "r1");
    const [output] = ofType(frames, "tool-output-available");
    expect(output.output[0].id).toBe("XY-1");
    expect(textOf(frames)).toMatch(new RegExp(`^@cf/test/tools got: ${output.toolCallId}=\\[\\{"from":"X","id":"XY-1","to":"Y"\\},.*\\] \\(calls ${output.toolCallId}\\)$`));
    client.close();
  });
});

describe("a browser tool", () => {
  it("ends the stream at tool-input-available; the client's result continues the same message", async () => {
    const name = uniqueName("browser");
    const client = await open(name);
    const other = await open(name);
    const { frames, assistant, messageId } = await pausedTurn(client, name, `where am I ${calls(["get_user_location", {}])}`);
    expect(types(frames)).toEqual([
      "start", "start-step", "tool-input-start", "tool-input-delta", "tool-input-available", "finish-step", "finish",
    ]);
    const [{ toolCallId }] = ofType(frames, "tool-input-available");
    expect(assistant.id).toBe(messageId);
    expect(partOf(assistant, toolCallId)).toMatchObject({ type: "tool-get_user_location", state: "input-available", input: {} });

    const { updated, frames: more, id } = await continueWith(client, {
      type: "cf_agent_tool_result", toolCallId, toolName: "get_user_location", output: { city: "Oslo" }, autoContinue: true,
    });
    expect(updated.id).toBe(messageId);
    expect(partOf(updated, toolCallId)).toMatchObject({ state: "output-available", output: { city: "Oslo" } });
    // Every frame of the continuation says so, the terminal one too; its start has no messageId.
    expect(more.every((f) => f.continuation === true)).toBe(true);
    expect(more.at(-1)).toMatchObject({ done: true, outcome: "completed", continuation: true });
    expect(chunks(more)[0]).toEqual({ type: "start" });
    expect(textOf(more)).toBe(`Tools said: ${toolCallId}={"city":"Oslo"}`);
    // The other connection got the update and the continuation live, without asking.
    expect(partOf((await other.ofType("cf_agent_message_updated")).message, toolCallId).state).toBe("output-available");
    const seen = await collect(other, id);
    expect(seen.every((f) => f.continuation === true && f.replay === undefined)).toBe(true);
    expect(textOf(seen)).toBe(textOf(more));

    const stored = await history(name);
    expect(stored.length).toBe(2);
    expect(stored[1].id).toBe(messageId);
    expect(stored[1].parts.map((p) => p.type)).toEqual(["step-start", "tool-get_user_location", "step-start", "text"]);
    expect(partOf(stored[1], toolCallId).state).toBe("output-available");
    expect(await client.pending("cf_agent_stream_resume_none")).toEqual([]);
    // After a continuation the requester gets the transcript too (the AI SDK resumed it into a message of its
    // own), and so does the other connection: the stored conversation.
    for (const socket of [client, other]) {
      const transcripts = (await socket.pending("cf_agent_chat_messages")).map((f) => f.messages);
      expect(transcripts.at(-1)).toEqual(stored);
    }
    client.close();
    other.close();
  });

  it("keeps a continuation for a client that probes only after it ended: the probe resumes it, the ack replays it whole", async () => {
    const name = uniqueName("late");
    const client = await open(name);
    const { frames } = await pausedTurn(client, name, `late ${calls(["get_user_location", {}])}`);
    const [{ toolCallId }] = ofType(frames, "tool-input-available");
    client.send({ type: "cf_agent_tool_result", toolCallId, toolName: "get_user_location", output: "Rome", autoContinue: true });
    // No probe: the continuation starts after its wait, announced without a probe id.
    const announced = await client.ofType("cf_agent_stream_resuming", 5000);
    expect(announced.probeId).toBeUndefined();
    // Not acknowledged: no chunk and no terminal frame reach this socket.
    await new Promise((r) => setTimeout(r, 500));
    expect(client.frames.filter((f) => f.type === RESPONSE && f.id === announced.id)).toEqual([]);
    expect((await history(name))[1].parts.at(-1)).toMatchObject({ type: "text", text: 'Tools said: ' + toolCallId + '="Rome"' });

    client.send({ type: "cf_agent_stream_resume_request", probeId: "late" });
    expect(await client.ofType("cf_agent_stream_resuming")).toEqual({ type: "cf_agent_stream_resuming", id: announced.id, probeId: "late" });
    client.send({ type: "cf_agent_stream_resume_ack", id: announced.id });
    const replayed = await collect(client, announced.id);
    expect(replayed.every((f) => f.replay === true && f.continuation === true)).toBe(true);
    expect(replayed.slice(0, -1).map((f) => f.seq)).toEqual(replayed.slice(0, -1).map((_, i) => i));
    expect(replayed.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    expect(textOf(replayed)).toBe(`Tools said: ${toolCallId}="Rome"`);

    // An acknowledgement of a stream this agent does not hold ends it at once.
    client.send({ type: "cf_agent_stream_resume_ack", id: "gone" });
    expect(await client.next((f) => f.type === RESPONSE && f.id === "gone")).toEqual({ type: RESPONSE, id: "gone", body: "", done: true, replay: true });
    client.close();
  });

  it("waits for every result of parallel calls before it continues", async () => {
    const name = uniqueName("parallel");
    const client = await open(name);
    const text = `plan ${calls(["search_flights", { from: "A", to: "B" }], ["get_user_location", {}], ["get_user_location", {}])}`;
    const { frames } = await pausedTurn(client, name, text);
    const ids = ofType(frames, "tool-input-available").map((c) => c.toolCallId);
    expect(ids.length).toBe(3);
    expect(ofType(frames, "tool-output-available").map((c) => c.toolCallId)).toEqual([ids[0]]);

    client.send({ type: "cf_agent_tool_result", toolCallId: ids[1], toolName: "get_user_location", output: "Oslo", autoContinue: true });
    client.send({ type: "cf_agent_stream_resume_request", probeId: "p1" });
    expect(partOf((await client.ofType("cf_agent_message_updated")).message, ids[1]).state).toBe("output-available");
    expect(await client.ofType("cf_agent_stream_pending")).toMatchObject({ probeId: "p1" });
    // Nothing continues while a call still waits.
    expect(await client.pending("cf_agent_stream_resuming", 300)).toEqual([]);

    // The last result completes the batch: the probe that waits gets the continuation.
    client.send({ type: "cf_agent_tool_result", toolCallId: ids[2], toolName: "get_user_location", output: "Bergen", autoContinue: true });
    expect(partOf((await client.ofType("cf_agent_message_updated")).message, ids[2]).state).toBe("output-available");
    const resuming = await client.next((f) => f.type === "cf_agent_stream_resuming" && f.probeId === "p1");
    client.send({ type: "cf_agent_stream_resume_ack", id: resuming.id });
    const more = await collect(client, resuming.id);
    expect(more.every((f) => f.continuation === true)).toBe(true);
    const said = textOf(more);
    expect(said).toMatch(new RegExp(`^Tools said: ${ids[0]}=\\[\\{"from":"A","id":"AB-1","to":"B"\\},.*\\] \\| ${ids[1]}="Oslo" \\| ${ids[2]}="Bergen"$`));
    expect((await history(name)).length).toBe(2);
    client.close();
  });

  it("offers the page's clientTools to the model and takes their results", async () => {
    const name = uniqueName("client-tools");
    const client = await open(name);
    const clientTools = [{ name: "pick_color", description: "Lets the user pick a color", parameters: { type: "object", properties: {} } }];
    const { frames } = await pausedTurn(client, name, `colors ${name} ${calls(["pick_color", {}])}`, { clientTools });
    const [{ toolCallId, toolName }] = ofType(frames, "tool-input-available");
    expect(toolName).toBe("pick_color");
    const [first] = await modelRequests(`colors ${name}`);
    expect(first.tools.find((t) => t.function.name === "pick_color").function).toEqual({
      name: "pick_color", description: "Lets the user pick a color", parameters: { type: "object", properties: {} },
    });
    const { frames: more } = await continueWith(client, {
      type: "cf_agent_tool_result", toolCallId, toolName, output: "teal", autoContinue: true, clientTools,
    });
    expect(textOf(more)).toBe(`Tools said: ${toolCallId}="teal"`);
    client.close();
  });
});

describe("a tool that needs approval", () => {
  it("asks, is stored at once, and runs once approved, after eviction and on a new connection", async () => {
    const name = uniqueName("approve");
    const first = await open(name);
    const { frames, assistant, messageId } = await pausedTurn(first, name, `book ${calls(["book_flight", { flight_id: "F1" }])}`);
    const [request] = ofType(frames, "tool-approval-request");
    const { toolCallId, approvalId } = request;
    expect(typeof approvalId).toBe("string");
    expect(types(frames).slice(-3)).toEqual(["tool-approval-request", "finish-step", "finish"]);
    expect(partOf(assistant, toolCallId)).toEqual({
      type: "tool-book_flight", toolCallId, state: "approval-requested", input: { flight_id: "F1" }, approval: { id: approvalId },
    });
    expect((await first.call("bookings")).result).toEqual([]);
    first.close();

    // Nothing but storage holds the request now.
    await evictDurableObject(stub(name));
    const client = await open(name);
    const { updated, frames: more } = await continueWith(client, { type: "cf_agent_tool_approval", toolCallId, approved: true, autoContinue: true });
    expect(partOf(updated, toolCallId)).toMatchObject({ state: "approval-responded", approval: { id: approvalId, approved: true } });
    expect(types(more).slice(0, 3)).toEqual(["start", "start-step", "tool-output-available"]);
    expect(ofType(more, "tool-output-available")).toEqual([{ type: "tool-output-available", toolCallId, output: { booked: "F1" } }]);
    expect(textOf(more)).toBe(`Tools said: ${toolCallId}={"booked":"F1"}`);
    expect((await client.call("bookings")).result).toEqual(["F1"]);

    const stored = await history(name);
    expect(stored.length).toBe(2);
    expect(stored[1].id).toBe(messageId);
    expect(partOf(stored[1], toolCallId)).toMatchObject({ state: "output-available", output: { booked: "F1" }, approval: { id: approvalId, approved: true } });

    // Approving again is refused, and nothing changes.
    client.send({ type: "cf_agent_tool_approval", toolCallId, approved: true, autoContinue: true });
    client.send({ type: "cf_agent_stream_resume_request", probeId: "again" });
    expect((await client.ofType("cf_agent_chat_error")).error).toContain("is finished");
    expect(await client.ofType("cf_agent_stream_resume_none")).toEqual({ type: "cf_agent_stream_resume_none", reason: "idle", probeId: "again" });
    expect(await history(name)).toEqual(stored);
    expect((await client.call("bookings")).result).toEqual(["F1"]);
    client.close();
  });

  it("tells the model of a denial, which answers in text; the tool never runs", async () => {
    const name = uniqueName("deny");
    const client = await open(name);
    const { frames } = await pausedTurn(client, name, `book ${calls(["book_flight", { flight_id: "F2" }])}`);
    const [{ toolCallId }] = ofType(frames, "tool-approval-request");
    const { updated, frames: more } = await continueWith(client, { type: "cf_agent_tool_approval", toolCallId, approved: false, autoContinue: true });
    expect(partOf(updated, toolCallId)).toMatchObject({ state: "output-denied", approval: { approved: false } });
    expect(ofType(more, "tool-output-denied")).toEqual([{ type: "tool-output-denied", toolCallId }]);
    expect(textOf(more)).toBe(`Tools said: ${toolCallId}=${DENIED}`);
    expect((await client.call("bookings")).result).toEqual([]);
    const stored = await history(name);
    expect(partOf(stored[1], toolCallId).state).toBe("output-denied");

    // A result or another approval for the denied call is refused.
    client.send({ type: "cf_agent_tool_result", toolCallId, toolName: "book_flight", output: { booked: "F2" } });
    expect((await client.ofType("cf_agent_chat_error")).error).toContain("was denied");
    client.send({ type: "cf_agent_tool_approval", toolCallId, approved: true });
    expect((await client.ofType("cf_agent_chat_error")).error).toContain("was denied");
    expect(await history(name)).toEqual(stored);
    expect((await client.call("bookings")).result).toEqual([]);
    client.close();
  });
});

describe("without autoContinue", () => {
  it("applies results and approvals; the client's next request extends the same message", async () => {
    const name = uniqueName("manual");
    const client = await open(name);
    const text = `both ${calls(["get_user_location", {}], ["book_flight", { flight_id: "F9" }])}`;
    const { frames, messageId } = await pausedTurn(client, name, text);
    const [where, book] = ofType(frames, "tool-input-available").map((c) => c.toolCallId);
    client.send({ type: "cf_agent_tool_result", toolCallId: where, toolName: "get_user_location", output: "Lima", autoContinue: false });
    expect(partOf((await client.ofType("cf_agent_message_updated")).message, where).state).toBe("output-available");
    client.send({ type: "cf_agent_tool_approval", toolCallId: book, approved: true, autoContinue: false });
    expect(partOf((await client.ofType("cf_agent_message_updated")).message, book).state).toBe("approval-responded");
    client.send({ type: "cf_agent_stream_resume_request", probeId: "none" });
    expect(await client.ofType("cf_agent_stream_resume_none")).toMatchObject({ probeId: "none" });
    expect((await client.call("bookings")).result).toEqual([]);

    // The hook's sendMessage(): the transcript as it is, ending with the assistant message.
    request(client, "r2", await history(name));
    const more = await collect(client, "r2");
    expect(chunks(more)[0]).toEqual({ type: "start", messageId });
    expect(ofType(more, "tool-output-available")).toEqual([{ type: "tool-output-available", toolCallId: book, output: { booked: "F9" } }]);
    expect(textOf(more)).toBe(`Tools said: ${where}="Lima" | ${book}={"booked":"F9"}`);
    expect((await client.call("bookings")).result).toEqual(["F9"]);
    const stored = await history(name);
    expect(stored.map((m) => m.id)).toEqual(["u1", messageId]);
    client.close();
  });
});

describe("bad tool frames", () => {
  it("get a clear error, change nothing stored, and leave no probe waiting", async () => {
    const name = uniqueName("bad");
    const client = await open(name);
    const text = `mix ${calls(["search_flights", { from: "A", to: "B" }], ["book_flight", { flight_id: "F3" }], ["get_user_location", {}])}`;
    const { frames } = await pausedTurn(client, name, text);
    const [search, book, where] = ofType(frames, "tool-input-available").map((c) => c.toolCallId);
    const before = await history(name);
    const cases = [
      [{ type: "cf_agent_tool_result", output: 1 }, "`toolCallId` must be a non-empty string"],
      [{ type: "cf_agent_tool_result", toolCallId: where, state: "finished" }, "`state` must be"],
      [{ type: "cf_agent_tool_approval", toolCallId: book, approved: "yes" }, "`approved` must be a boolean"],
      [{ type: "cf_agent_tool_result", toolCallId: "nope", output: 1, autoContinue: true }, 'no tool call "nope"'],
      [{ type: "cf_agent_tool_approval", toolCallId: "nope", approved: true }, 'no tool call "nope"'],
      [{ type: "cf_agent_tool_result", toolCallId: search, toolName: "search_flights", output: [] }, "is finished"],
      [{ type: "cf_agent_tool_approval", toolCallId: search, approved: true }, "is finished"],
      [{ type: "cf_agent_tool_result", toolCallId: book, toolName: "book_flight", output: {}, autoContinue: true }, "runs on the server"],
      [{ type: "cf_agent_tool_approval", toolCallId: where, approved: true }, "not waiting for an approval"],
      [{ type: "cf_agent_tool_result", toolCallId: where, toolName: "book_flight", output: 1 }, "not book_flight"],
      [{ type: "cf_agent_tool_result", toolCallId: where, clientTools: [{ name: "bad name" }] }, "`name` must be"],
    ];
    for (const [i, [frame, needle]] of cases.entries()) {
      client.send(frame);
      client.send({ type: "cf_agent_stream_resume_request", probeId: `bad-${i}` });
      const error = await client.ofType("cf_agent_chat_error");
      expect(error.error, JSON.stringify(frame)).toContain(needle);
      if (frame.toolCallId) expect(error.toolCallId).toBe(frame.toolCallId);
      // The probe that followed is answered: nothing continues.
      expect(await client.next((f) => f.probeId === `bad-${i}`)).toMatchObject({ type: "cf_agent_stream_resume_none", reason: "idle" });
    }
    expect(await client.pending("cf_agent_message_updated")).toEqual([]);
    expect(await history(name)).toEqual(before);

    // A malformed clientTools list refuses the request at its id.
    request(client, "r2", [...before, user("u2", "hi")], { clientTools: [{ name: "x", parameters: "any" }] });
    expect(await client.next((f) => f.type === RESPONSE && f.id === "r2")).toMatchObject({ done: true, error: true, body: expect.stringContaining("JSON Schema") });
    expect(await history(name)).toEqual(before);

    // A result without autoContinue is applied and continues nothing.
    client.send({ type: "cf_agent_tool_result", toolCallId: where, toolName: "get_user_location", output: "Oslo" });
    expect(partOf((await client.ofType("cf_agent_message_updated")).message, where).state).toBe("output-available");
    client.send({ type: "cf_agent_stream_resume_request", probeId: "idle" });
    expect(await client.ofType("cf_agent_stream_resume_none")).toMatchObject({ probeId: "idle" });
    client.close();
  });
});
