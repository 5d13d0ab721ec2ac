// The travel agent example (examples/travel), served by the fixture worker at
// the demo's URL, its model played by the OpenAI-compatible stand-in: a user
// message ending in `trip:<TO>` or `trip:<FROM>><TO>` makes it call
// get_user_location (without FROM), then search_flights, then book_flight
// with the cheapest flight, then say "Booked <id> (<reference>)." or, after a
// denial, "I did not book <id>: you denied it." (tests/standin/openai.mjs).
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chunks, collect, openChat, request, textOf, user } from "./chat.js";
import { FrameClient, fetchWorker, uniqueName } from "./frames.js";

const open = (name) => openChat("travel-agent", name);
const types = (frames) => chunks(frames).map((c) => c.type);
const ofType = (frames, type) => chunks(frames).filter((c) => c.type === type);
const partOf = (message, toolCallId) => message.parts.find((p) => p.toolCallId === toolCallId);
const stub = (name) => env.TravelAgent.get(env.TravelAgent.idFromName(name));

async function history(name) {
  const response = await fetchWorker(`/agents/travel-agent/${name}/get-messages`);
  expect(response.status).toBe(200);
  return response.json();
}

/** The stand-in's requests for the conversation whose user message contains `marker`. */
async function modelRequests(marker) {
  const all = await (await fetch(env.OPENAI_BASE_URL.replace(/\/v1$/, "/requests"))).json();
  return all.map((r) => r.body).filter((b) => b.messages.some((m) => m.role === "user" && m.content.includes(marker)));
}

/** A first turn that ends waiting (for the browser or an approval). */
async function firstTurn(client, name, text) {
  request(client, "r1", [user("u1", text)]);
  const frames = await collect(client, "r1");
  expect(frames.at(-1)).toMatchObject({ done: true, outcome: "completed" });
  return { frames, messageId: chunks(frames)[0].messageId };
}

/** Sends a tool frame and a resume probe, as the hook does; acknowledges the continuation and returns its frames. */
async function continueWith(client, frame) {
  client.send(frame);
  client.send({ type: "cf_agent_stream_resume_request", probeId: "p" });
  await client.ofType("cf_agent_message_updated");
  const resuming = await client.next((f) => f.type === "cf_agent_stream_resuming" && f.probeId === "p");
  client.send({ type: "cf_agent_stream_resume_ack", id: resuming.id });
  return collect(client, resuming.id);
}

/** A turn `trip:OSL>LIS` up to its approval request. */
async function searchedAndAsked(client, name, marker) {
  const { frames, messageId } = await firstTurn(client, name, `Oslo to Lisbon please ${marker} trip:OSL>LIS`);
  const [ask] = ofType(frames, "tool-approval-request");
  const [search, book] = ofType(frames, "tool-input-available");
  return { frames, messageId, ask, search, book };
}

describe("example: travel agent", () => {
  it("runs search_flights on the server and gives its flights to the model, which asks to book the cheapest", async () => {
    const name = uniqueName("search");
    const client = await open(name);
    const { frames, ask, search, book } = await searchedAndAsked(client, name, name);
    expect(search).toMatchObject({ toolName: "search_flights", input: { from: "OSL", to: "LIS" } });
    const [output] = ofType(frames, "tool-output-available");
    expect(output.toolCallId).toBe(search.toolCallId);
    const flights = output.output;
    expect(flights.map((f) => f.id)).toEqual(["OSL-LIS-1", "OSL-LIS-2", "OSL-LIS-3"]);
    for (const flight of flights) {
      expect(Object.keys(flight).sort()).toEqual(["airline", "arrives", "departs", "from", "id", "price_eur", "to"]);
      expect(flight).toMatchObject({ from: "OSL", to: "LIS" });
      expect(flight.departs).toMatch(/^\d\d:\d\d$/);
    }
    // The same route gives the same flights (they are generated from the airports).
    const otherName = uniqueName("search");
    const again = await open(otherName);
    const second = await searchedAndAsked(again, otherName, `${name}-again`);
    expect(ofType(second.frames, "tool-output-available")[0].output).toEqual(flights);
    again.close();

    // The model read them as the tool's result, and chose the cheapest to book.
    const [, afterSearch] = await modelRequests(`${name} trip:`);
    const toolMessage = afterSearch.messages.at(-1);
    expect(toolMessage).toMatchObject({ role: "tool", tool_call_id: search.toolCallId });
    expect(JSON.parse(toolMessage.content)).toEqual(flights);
    expect(afterSearch.messages[0]).toMatchObject({ role: "system" });
    expect(afterSearch.messages[0].content).toContain("search_flights");
    // The agent's SQL as model context, after the system prompt: nothing booked yet.
    expect(afterSearch.messages[1]).toEqual({ role: "system", content: "The user has no bookings yet." });
    expect(afterSearch.tools.map((t) => t.function.name).sort()).toEqual(["book_flight", "get_user_location", "search_flights"]);
    const cheapest = flights.reduce((a, b) => (b.price_eur < a.price_eur ? b : a));
    expect(book).toMatchObject({ toolName: "book_flight", input: { flight_id: cheapest.id } });
    expect(ask.toolCallId).toBe(book.toolCallId);
    expect(types(frames).slice(-3)).toEqual(["tool-approval-request", "finish-step", "finish"]);
    // Nothing is booked before the approval.
    expect((await client.call("bookings")).result).toEqual([]);
    client.close();
  });

  it("books once approved (after an eviction): one booking stored, one assistant message", async () => {
    const name = uniqueName("approve");
    const first = await open(name);
    const { messageId, ask, book } = await searchedAndAsked(first, name, name);
    first.close();
    await evictDurableObject(stub(name));

    const client = await open(name);
    const more = await continueWith(client, { type: "cf_agent_tool_approval", toolCallId: ask.toolCallId, approved: true, autoContinue: true });
    const [output] = ofType(more, "tool-output-available");
    const flightId = book.input.flight_id;
    expect(output.output).toMatchObject({ reference: "TRV-00001", flight_id: flightId, from: "OSL", to: "LIS" });
    expect(textOf(more)).toBe(`Booked ${flightId} (TRV-00001).`);
    const { result: bookings } = await client.call("bookings");
    expect(bookings).toEqual([output.output]);
    expect(typeof bookings[0].booked_ms).toBe("number");
    // The model call after the approved booking was told of it (read again before every call), once.
    const afterBooking = (await modelRequests(`${name} trip:`)).at(-1);
    const systems = afterBooking.messages.filter((m) => m.role === "system");
    expect(systems).toHaveLength(2);
    expect(afterBooking.messages[1].content).toBe(
      `The user's bookings so far:\n- TRV-00001 ${flightId}: ${bookings[0].airline} OSL to LIS, departs ${bookings[0].departs}, arrives ${bookings[0].arrives}, ${bookings[0].price_eur} EUR`,
    );

    const stored = await history(name);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1].id).toBe(messageId);
    expect(partOf(stored[1], ask.toolCallId)).toMatchObject({ state: "output-available", approval: { approved: true } });
    expect(stored[1].parts.at(-1)).toMatchObject({ type: "text", text: `Booked ${flightId} (TRV-00001).` });

    // A second booking in the same chat gets the next reference.
    request(client, "r2", [...stored, user("u2", `again ${name} trip:BER>OSL`)]);
    const next = await collect(client, "r2");
    const [askAgain] = ofType(next, "tool-approval-request");
    const booked = await continueWith(client, { type: "cf_agent_tool_approval", toolCallId: askAgain.toolCallId, approved: true, autoContinue: true });
    expect(textOf(booked)).toMatch(/^Booked BER-OSL-\d \(TRV-00002\)\.$/);
    expect((await client.call("bookings")).result.map((b) => b.reference)).toEqual(["TRV-00001", "TRV-00002"]);
    client.close();
  });

  it("stores nothing when denied, and the model, told so, answers in text", async () => {
    const name = uniqueName("deny");
    const client = await open(name);
    const { ask, book } = await searchedAndAsked(client, name, name);
    const more = await continueWith(client, { type: "cf_agent_tool_approval", toolCallId: ask.toolCallId, approved: false, autoContinue: true });
    expect(ofType(more, "tool-output-denied")).toEqual([{ type: "tool-output-denied", toolCallId: ask.toolCallId }]);
    expect(ofType(more, "tool-output-available")).toEqual([]);
    expect(textOf(more)).toBe(`I did not book ${book.input.flight_id}: you denied it.`);
    expect((await client.call("bookings")).result).toEqual([]);
    const told = (await modelRequests(`${name} trip:`)).at(-1).messages.at(-1);
    expect(told).toMatchObject({ role: "tool", tool_call_id: ask.toolCallId });
    expect(told.content).toContain("denied");
    const stored = await history(name);
    expect(stored.length).toBe(2);
    expect(partOf(stored[1], ask.toolCallId).state).toBe("output-denied");
    client.close();
  });

  it("refuses to book a flight no search offered, even approved: the model is told, nothing stored", async () => {
    const name = uniqueName("unknown");
    const client = await open(name);
    const made = `call:${JSON.stringify([{ name: "book_flight", arguments: { flight_id: "OSL-LIS-9" } }])}`;
    const { frames } = await firstTurn(client, name, `book a made-up one ${made}`);
    const [ask] = ofType(frames, "tool-approval-request");
    const more = await continueWith(client, { type: "cf_agent_tool_approval", toolCallId: ask.toolCallId, approved: true, autoContinue: true });
    const [error] = ofType(more, "tool-output-error");
    expect(error.errorText).toContain('No flight "OSL-LIS-9"');
    expect(textOf(more)).toContain("No flight");
    expect((await client.call("bookings")).result).toEqual([]);
    client.close();
  });

  it("ends the stream at get_user_location's input; the browser's result continues the same message", async () => {
    const name = uniqueName("browser");
    const client = await open(name);
    const { frames, messageId } = await firstTurn(client, name, `to Lisbon from here ${name} trip:LIS`);
    expect(types(frames)).toEqual([
      "start", "start-step", "tool-input-start", "tool-input-delta", "tool-input-available", "finish-step", "finish",
    ]);
    const [where] = ofType(frames, "tool-input-available");
    expect(where).toMatchObject({ toolName: "get_user_location", input: {} });
    expect(partOf((await history(name))[1], where.toolCallId).state).toBe("input-available");

    const more = await continueWith(client, {
      type: "cf_agent_tool_result", toolCallId: where.toolCallId, toolName: "get_user_location", output: { city: "Bergen" }, autoContinue: true,
    });
    expect(more.every((f) => f.continuation === true)).toBe(true);
    expect(chunks(more)[0]).toEqual({ type: "start" });
    // The model searched from where the browser said, and asked to book.
    const [search] = ofType(more, "tool-input-available");
    expect(search).toMatchObject({ toolName: "search_flights", input: { from: "Bergen", to: "LIS" } });
    expect(ofType(more, "tool-output-available")[0].output[0].id).toBe("BERGEN-LIS-1");
    expect(ofType(more, "tool-approval-request")).toHaveLength(1);
    const stored = await history(name);
    expect(stored.length).toBe(2);
    expect(stored[1].id).toBe(messageId);
    expect(stored[1].parts.filter((p) => p.type.startsWith("tool-")).map((p) => [p.type, p.state])).toEqual([
      ["tool-get_user_location", "output-available"],
      ["tool-search_flights", "output-available"],
      ["tool-book_flight", "approval-requested"],
    ]);
    client.close();
  });

  it("answers with the configuration error when no model is configured", async () => {
    // The fixture's bundle again, as a worker with no AI configuration and no AI binding.
    const response = await env.UNCONFIGURED.fetch("http://unconfigured.test/agents/travel-agent/x", { headers: { Upgrade: "websocket" } });
    expect(response.status).toBe(101);
    response.webSocket.accept();
    const client = new FrameClient(response.webSocket);
    await client.handshake();
    request(client, "r1", [user("u1", "fly me to Lisbon trip:LIS")]);
    const frames = await collect(client, "r1");
    expect(chunks(frames).filter((c) => c.type === "error")).toEqual([
      { type: "error", errorText: 'AI configuration error: no AI binding named "AI" (add [ai] binding = "AI" to wrangler.toml)' },
    ]);
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "error" });
    client.close();
  });
});
