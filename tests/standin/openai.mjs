// A local stand-in for an OpenAI-compatible provider (the real ones are
// unreachable here). It speaks the real wire format of POST
// /v1/chat/completions — JSON, or SSE `data:` chunks ending in `[DONE]` —
// and misbehaves on request, chosen by the last user message:
//   "crawl"       30 chunks, 150 ms apart (long enough to reload a page mid-answer)
//   "slow"        20 chunks, 40 ms apart
//   "anew"        "Answer <n> to <text>", n counting the requests with that same last message
//   "fail midway" 3 chunks, then an error event
//   "cut"         3 chunks, then the connection drops (no [DONE])
//   "malformed"   2 chunks, then a chunk that is not JSON
//   "flood"       3 chunks, then 9 MiB in one line that never ends
//   "rate limit"  429 with an error body;  "server error" 500
//   "tool"        a streamed tool call, split over chunks
//   "hang"        headers, then silence
//   "call:[{name, arguments}, ...]"  (at the end of the message) streamed tool
//                 calls: the first delta with content null, the calls' argument
//                 text in pieces, parallel calls interleaved, finish_reason
//                 tool_calls, a usage-only chunk; once the conversation has tool
//                 results after that user message, a text reply that echoes them:
//                 "Tools said: <tool_call_id>=<content> | ..." (with "crawl" in the
//                 message too, 1 s between the echo's two pieces)
//   "call-always:[...]" the same calls again at every step (a step limit test)
//   "trip:<TO>" or "trip:<FROM>><TO>" (at the end of the message) plays a travel
//                 agent, one step per request, reading the tool results since
//                 that user message: no result yet → get_user_location {} (or,
//                 with FROM, search_flights at once); after get_user_location →
//                 search_flights {from: <its city>, to}; after search_flights →
//                 book_flight {flight_id: the cheapest}; after book_flight → a text:
//                 "Booked <flight id> (<reference>)." or, for a denial, "I did not
//                 book <flight id>: you denied it." (a tool error: "Tool failed: <content>")
//   anything else "You said: <text> (<n> messages)", in pieces, with keep-alive comments
// A conversation whose tool messages do not answer the assistant's tool_calls
// (or the reverse) gets 400, as the real API answers.
import { createServer } from "node:http";

export const API_KEY = "test-key";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: "cmpl", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** Why the API would refuse this conversation's tool messages, or null. */
function toolMessageError(messages) {
  for (let i = 0; i < messages.length; i++) {
    const calls = messages[i].tool_calls ?? [];
    const answers = [];
    for (let j = i + 1; j < messages.length && messages[j].role === "tool"; j++) answers.push(messages[j].tool_call_id);
    if (messages[i].role === "tool" && !(messages[i - 1]?.role === "tool" || messages[i - 1]?.tool_calls?.length)) {
      return `messages[${i}]: a tool message must follow an assistant message with tool_calls`;
    }
    if (calls.length && JSON.stringify(calls.map((c) => c.id)) !== JSON.stringify(answers)) {
      return `messages[${i}]: tool_calls ${calls.map((c) => c.id)} answered by ${answers}`;
    }
  }
  return null;
}

/** The scripted calls of `text` (`call:[...]` or `call-always:[...]`), or null. */
function scriptedCalls(text) {
  const match = /(call-always|call):(\[.*\])\s*$/s.exec(text);
  return match ? { always: match[1] === "call-always", calls: JSON.parse(match[2]) } : null;
}

/** The `trip:` script of `text`: where to (and from, if given), or null. */
function tripOf(text) {
  const match = /trip:(?:([^>\s]+)>)?(\S+)\s*$/.exec(text);
  return match ? { from: match[1] ?? null, to: match[2] } : null;
}

/** The tool results after `lastUser`, each with the name of the call it answers. */
function toolResults(messages, lastUser) {
  const names = new Map();
  const results = [];
  for (const m of messages.slice(lastUser + 1)) {
    for (const c of m.tool_calls ?? []) names.set(c.id, { name: c.function.name, arguments: c.function.arguments });
    if (m.role === "tool") results.push({ ...names.get(m.tool_call_id), content: m.content });
  }
  return results;
}

const parsed = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The travel agent's next step: `{ calls }` or `{ text }`. */
function tripStep(trip, results) {
  const last = results.at(-1);
  if (!last) {
    return trip.from
      ? { calls: [{ name: "search_flights", arguments: { from: trip.from, to: trip.to } }] }
      : { calls: [{ name: "get_user_location", arguments: {} }] };
  }
  const output = parsed(last.content);
  if (last.name === "get_user_location") {
    return { calls: [{ name: "search_flights", arguments: { from: output?.city ?? "UNKNOWN", to: trip.to } }] };
  }
  if (last.name === "search_flights") {
    if (!Array.isArray(output) || output.length === 0) return { text: `Tool failed: ${last.content}` };
    const cheapest = output.reduce((a, b) => (b.price_eur < a.price_eur ? b : a));
    return { calls: [{ name: "book_flight", arguments: { flight_id: cheapest.id } }] };
  }
  if (last.name === "book_flight") {
    const id = parsed(last.arguments)?.flight_id;
    if (last.content.includes("denied")) return { text: `I did not book ${id}: you denied it.` };
    if (!output?.reference) return { text: `Tool failed: ${last.content}` };
    return { text: `Booked ${id} (${output.reference}).` };
  }
  return { text: `Tool failed: unexpected ${last.name}` };
}

let callRequests = 0;

/** Streams tool calls as the real API does (see "call:[...]" above). */
async function streamCalls(res, list) {
  res.setHeader("content-type", "text/event-stream");
  res.flushHeaders();
  const n = callRequests++;
  const calls = list.map((c, i) => ({ id: `call_${n}_${i}`, name: c.name, text: JSON.stringify(c.arguments ?? {}) }));
  const first = calls[0];
  res.write(chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: first.id, type: "function", function: { name: first.name, arguments: "" } }] }));
  for (let i = 1; i < calls.length; i++) {
    res.write(chunk({ tool_calls: [{ index: i, id: calls[i].id, type: "function", function: { name: calls[i].name, arguments: "" } }] }));
  }
  // Argument text in pieces of 4 characters, the calls interleaved.
  const longest = Math.max(...calls.map((c) => c.text.length));
  for (let at = 0; at < longest; at += 4) {
    calls.forEach((c, i) => {
      if (at < c.text.length) res.write(chunk({ tool_calls: [{ index: i, function: { arguments: c.text.slice(at, at + 4) } }] }));
    });
    await sleep(1);
  }
  res.write(chunk({}, "tool_calls"));
  res.write(`data: ${JSON.stringify({ id: "cmpl", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 5, completion_tokens: 7 } })}\n\n`);
  res.write("data: [DONE]\n\n");
  res.end();
}

/** Streams `text` in two pieces, then `stop`. */
async function streamText(res, text, pauseMs = 0) {
  res.setHeader("content-type", "text/event-stream");
  res.flushHeaders();
  res.write(chunk({ role: "assistant", content: "" }));
  res.write(chunk({ content: text.slice(0, 12) }));
  if (pauseMs) await sleep(pauseMs); // a continuation that takes a while ("crawl" with a scripted call)
  res.write(chunk({ content: text.slice(12) }));
  res.write(chunk({}, "stop"));
  res.write("data: [DONE]\n\n");
  res.end();
}

export function startStandin(port) {
  const requests = [];
  const asked = new Map();
  const server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/requests") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify(requests));
    }
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.statusCode = 404;
      return res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
    }
    let raw = "";
    for await (const part of req) raw += part;
    const body = JSON.parse(raw);
    requests.push({ authorization: req.headers.authorization, body });
    if (req.headers.authorization !== `Bearer ${API_KEY}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: { message: "Incorrect API key provided" } }));
    }
    const last = [...body.messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const refused = toolMessageError(body.messages);
    if (refused) {
      res.statusCode = 400;
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ error: { message: refused, type: "invalid_request_error" } }));
    }
    const lastUser = body.messages.findLastIndex((m) => m.role === "user");
    const results = body.messages.slice(lastUser + 1).filter((m) => m.role === "tool");
    const script = body.stream ? scriptedCalls(last) : null;
    if (script && (results.length === 0 || script.always)) return streamCalls(res, script.calls);
    if (script) return streamText(res, `Tools said: ${results.map((m) => `${m.tool_call_id}=${m.content}`).join(" | ")}`, last.includes("crawl") ? 1000 : 0);
    const trip = body.stream ? tripOf(last) : null;
    if (trip) {
      const step = tripStep(trip, toolResults(body.messages, lastUser));
      return step.calls ? streamCalls(res, step.calls) : streamText(res, step.text);
    }
    if (last.includes("rate limit")) {
      res.statusCode = 429;
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ error: { message: "Rate limit reached", type: "rate_limit_error" } }));
    }
    if (last.includes("server error")) {
      res.statusCode = 500;
      return res.end(JSON.stringify({ error: { message: "The server had an error" } }));
    }
    const times = (asked.get(last) ?? 0) + 1;
    asked.set(last, times);
    const reply = last.includes("anew")
      ? `Answer ${times} to ${last}`
      : `You said: ${last} (${body.messages.length} messages)`;
    if (!body.stream && last.includes("tool") && body.tools?.length) {
      res.setHeader("content-type", "application/json");
      const call = { id: "call_2", type: "function", function: { name: body.tools[0].function.name, arguments: '{"q":"rust"}' } };
      return res.end(
        JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls" }] }),
      );
    }
    if (!body.stream) {
      res.setHeader("content-type", "application/json");
      return res.end(
        JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }] }),
      );
    }
    res.setHeader("content-type", "text/event-stream");
    res.flushHeaders();
    const send = (text) => res.write(text);
    if (last.includes("hang")) return; // never answers; the client's idle timeout ends it
    send(chunk({ role: "assistant", content: "" }));
    if (last.includes("crawl")) {
      for (let i = 0; i < 30; i++) {
        send(chunk({ content: `step${i} ` }));
        await sleep(150);
      }
    } else if (last.includes("slow")) {
      for (let i = 0; i < 20; i++) {
        send(chunk({ content: `word${i} ` }));
        await sleep(40);
      }
    } else if (last.includes("fail midway") || last.includes("cut") || last.includes("malformed") || last.includes("flood")) {
      const pieces = last.includes("malformed") ? ["par", "tial"] : ["par", "ti", "al"];
      for (const piece of pieces) {
        send(chunk({ content: piece }));
        await sleep(20);
      }
      if (last.includes("fail midway")) send(`data: ${JSON.stringify({ error: { message: "upstream exploded" } })}\n\n`);
      if (last.includes("malformed")) send("data: {oops\n\n");
      if (last.includes("cut")) return res.destroy();
      if (last.includes("flood")) {
        // An event that never ends: the client must give up, not keep it all.
        const mib = "x".repeat(1024 * 1024);
        send("data: ");
        for (let i = 0; i < 9 && !res.destroyed; i++) {
          send(mib);
          await sleep(5);
        }
      }
      return res.end();
    } else if (last.includes("tool")) {
      send(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":' } }] }));
      send(chunk({ tool_calls: [{ index: 0, function: { arguments: '"rust"}' } }] }, "tool_calls"));
      send("data: [DONE]\n\n");
      return res.end();
    } else {
      // Split mid-event and mid-character to exercise the client's parser.
      const text = chunk({ content: reply.slice(0, 10) }) + ": keep-alive\n\n" + chunk({ content: reply.slice(10) });
      const bytes = Buffer.from(text);
      const cut = Math.floor(bytes.length / 2);
      res.write(bytes.subarray(0, cut));
      await sleep(10);
      res.write(bytes.subarray(cut));
    }
    send(chunk({}, "stop"));
    send("data: [DONE]\n\n");
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // Port 0: any free port (the url says which).
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address();
      resolve({ url: `http://127.0.0.1:${bound}/v1`, requests, stop: () => new Promise((r) => server.close(r)) });
    });
  });
}

// `node tests/standin/openai.mjs [port]` serves it alone, e.g. for `npm start`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8796);
  const standin = await startStandin(port);
  console.log(`OpenAI-compatible stand-in at ${standin.url} (API key ${API_KEY})`);
}
