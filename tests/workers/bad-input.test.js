// Bad input at every entry point, as a table: each row sends one malformed,
// oversized, deeply nested, mistyped or unknown thing and expects a clear
// error (an error frame, a JSON-RPC error code, a 4xx with a message); then
// the same agent (or MCP session) must still serve a normal request.
// A row marked `finding` shows behaviour that is not a clear error yet: it is
// skipped, with what happens today.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";
import { EventReader, call, initialize, post, readMessages, request } from "./mcp.js";

/** JSON nested `depth` arrays deep: `[[...]]`. */
const nested = (depth) => "[".repeat(depth) + "]".repeat(depth);
/** An RPC frame as text, `args` given as JSON text (so it may hold what JSON.stringify cannot write). */
const rpcText = (id, method, args) => `{"type":"rpc","id":"${id}","method":"${method}","args":${args}}`;
const stateText = (state) => `{"type":"cf_agent_state","state":${state}}`;
const utf8 = (text) => new TextEncoder().encode(text);
const concat = (...parts) => new Uint8Array(parts.flatMap((p) => [...p]));
/** Invalid UTF-8: a stray continuation byte, an overlong form, a lone surrogate (CESU), a byte never used. */
const BAD_UTF8 = new Uint8Array([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff]);

const rowIt = (row) => (row.finding ? it.skip : it);
const label = (row) => (row.finding ? `${row.name} — finding: ${row.finding}` : row.name);

// ---------------------------------------------------------------- agent WebSocket

/** The reply a row expects on the socket. */
const rpcError = (id, error) => async (client) => {
  const frame = await client.next((f) => f.type === "rpc" && f.id === id, 15_000);
  expect(frame).toMatchObject({ success: false });
  expect(frame.error).toMatch(error);
};
const rpcResult = (id, result) => async (client) => {
  expect(await client.next((f) => f.type === "rpc" && f.id === id)).toMatchObject({ success: true, result });
};
const stateRejected = (error) => async (client) => {
  expect((await client.ofType("cf_agent_state_error", 15_000)).error).toBe(error);
  // The authoritative state follows, unchanged.
  expect((await client.ofType("cf_agent_state")).state.count).toBe(2);
};
/** Not a protocol frame: handed to the agent's own message hook (the probe echoes text). */
const plainMessage = (text) => async (client) => {
  expect(await client.ofType("echo")).toEqual({ type: "echo", text });
  expect(await client.pending("rpc", 50)).toEqual([]);
};

const WS_ROWS = [
  { name: "unknown method", send: rpcText("u", "nope", "[]"), expect: rpcError("u", /^Method nope does not exist$/) },
  {
    name: "method that is not callable",
    send: rpcText("n", "onStart", "[]"),
    expect: rpcError("n", /^Method onStart is not callable$/),
  },
  {
    name: "numeric id",
    send: '{"type":"rpc","id":7,"method":"echo","args":[1]}',
    expect: async (client) => {
      const frame = await client.next((f) => f.type === "rpc" && f.id === 7);
      expect(frame).toEqual({ type: "rpc", id: 7, success: false, error: "Invalid RPC request: id must be a string" });
    },
  },
  { name: "empty method", send: rpcText("e", "", "[]"), expect: rpcError("e", /method must be a non-empty string/) },
  {
    name: "method of the wrong type",
    send: '{"type":"rpc","id":"t","method":["echo"],"args":[]}',
    expect: rpcError("t", /method must be a non-empty string/),
  },
  {
    name: "args not an array",
    send: '{"type":"rpc","id":"a","method":"echo","args":{"0":1}}',
    expect: rpcError("a", /args must be an array/),
  },
  {
    name: "argument of the wrong type",
    send: rpcText("w", "setCount", '["many"]'),
    expect: rpcError("w", /^Invalid argument 1 of setCount: invalid type: string "many", expected i64/),
  },
  {
    name: "too many arguments",
    send: rpcText("m", "setCount", "[1,2]"),
    expect: rpcError("m", /^Method setCount takes 1 argument, got 2$/),
  },
  {
    name: "integer beyond i64",
    send: rpcText("h", "setCount", "[9223372036854775808]"),
    expect: rpcError("h", /^Invalid argument 1 of setCount/),
  },
  {
    name: "float for an integer",
    send: rpcText("f", "setCount", "[1.5]"),
    expect: rpcError("f", /^Invalid argument 1 of setCount/),
  },
  {
    name: "120-level nested argument (within the limit) is answered",
    send: rpcText("d", "echo", `[${nested(120)}]`),
    expect: async (client) => {
      const frame = await client.next((f) => f.type === "rpc" && f.id === "d");
      expect(JSON.stringify(frame.result)).toBe(nested(120));
    },
  },
  {
    name: "oversized frame (9 MiB)",
    send: rpcText("big", "echo", `["${"y".repeat(9 * 1024 * 1024)}"]`),
    expect: rpcError("big", /^Message too large: at least \d+ bytes \(limit 8388608\)$/),
  },
  // JS sends a lone surrogate as the bytes ED A0 80, not UTF-8; the runtime decodes each bad byte as U+FFFD.
  {
    name: "text frame of invalid UTF-8 (a lone surrogate) is read with replacement characters",
    send: rpcText("s", "echo", '["\ud800"]'),
    expect: rpcResult("s", "\ufffd\ufffd\ufffd"),
  },
  {
    name: "NaN is not JSON: the agent's message hook gets the text, as in the reference",
    send: rpcText("nan", "setCount", "[NaN]"),
    expect: plainMessage(rpcText("nan", "setCount", "[NaN]")),
  },
  {
    name: "Infinity is not JSON: the message hook gets it",
    send: rpcText("inf", "setCount", "[Infinity]"),
    expect: plainMessage(rpcText("inf", "setCount", "[Infinity]")),
  },
  {
    name: "truncated JSON: the message hook gets it",
    send: '{"type":"rpc","id":"x","method":"echo"',
    expect: plainMessage('{"type":"rpc","id":"x","method":"echo"'),
  },
  {
    name: "binary frame of invalid UTF-8 goes to the binary hook",
    send: BAD_UTF8,
    expect: async (client) => expect(await client.ofType("binary")).toEqual({ type: "binary", len: BAD_UTF8.length }),
  },
  {
    name: "129-level nested argument",
    send: rpcText("deep", "echo", `[${nested(129)}]`),
    expect: rpcError("deep", /^Invalid RPC request: args could not be read: recursion limit exceeded/),
  },
  {
    name: "number beyond f64 (1e999)",
    send: rpcText("big-n", "setCount", "[1e999]"),
    expect: rpcError("big-n", /^Invalid RPC request: args could not be read: number out of range/),
  },
  {
    name: "lone surrogate as a JSON escape",
    send: rpcText("esc", "echo", '["\\ud800"]'),
    expect: rpcError("esc", /^Invalid RPC request: args could not be read/),
  },
  {
    name: "state of the wrong shape",
    send: stateText('{"count":"many","items":[]}'),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state that is not an object",
    send: stateText('"just text"'),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state failing validation",
    send: stateText('{"count":-1,"items":[]}'),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state with an integer beyond i64",
    send: stateText('{"count":9223372036854775808,"items":[]}'),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state with 1e999",
    send: stateText('{"count":1e999,"items":[]}'),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state with a 129-level nested field",
    send: stateText(`{"count":1,"items":${nested(129)}}`),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state with a lone surrogate escape",
    send: stateText('{"count":1,"items":["\\ud800"]}'),
    expect: stateRejected("State update rejected"),
  },
  {
    name: "state with NaN is not JSON: the message hook gets it",
    send: stateText('{"count":NaN,"items":[]}'),
    expect: plainMessage(stateText('{"count":NaN,"items":[]}')),
  },
  {
    name: "state from a readonly connection",
    query: "?readonly=1",
    send: stateText('{"count":5,"items":[]}'),
    expect: stateRejected("Connection is readonly"),
  },
];

describe("bad input: agent WebSocket", () => {
  for (const row of WS_ROWS) {
    rowIt(row)(label(row), async () => {
      const name = uniqueName("bad-ws");
      const writer = await connect(`/agents/probe/${name}`);
      await writer.handshake();
      expect((await writer.call("setCount", [2])).result).toBe(2);
      await writer.ofType("cf_agent_state");
      const client = row.query ? await connect(`/agents/probe/${name}${row.query}`) : writer;
      if (client !== writer) await client.handshake();
      client.ws.send(row.send);
      await row.expect(client);
      // The same agent still serves: a call, and its state, unchanged.
      expect((await client.call("echo", ["still here"])).result).toBe("still here");
      const state = (await (await fetchWorker(`/agents/probe/${name}/state`)).json()).state;
      expect(state.count).toBe(2);
      if (client !== writer) client.close();
      writer.close();
    });
  }
});

// ---------------------------------------------------------------- agent HTTP

const HTTP_ROWS = [
  { name: "unknown path of the agent", path: (n) => `/agents/probe/${n}/nope`, status: 404, text: "Not found" },
  { name: "unknown agent", path: (n) => `/agents/nobody/${n}`, status: 400, text: 'Unknown agent "nobody"' },
  { name: "name with a bad escape", path: () => "/agents/probe/bad%zz/state", status: 400, text: "percent-encoding" },
  { name: "name of invalid UTF-8", path: () => "/agents/probe/%FF%FE%80/state", status: 400, text: "percent-encoding" },
  {
    name: "name with a control character",
    path: () => "/agents/probe/a%0Ab/state",
    status: 400,
    text: "control character",
  },
  {
    name: "name over 256 bytes",
    path: () => `/agents/probe/${"n".repeat(300)}/state`,
    status: 400,
    text: "longer than 256",
  },
  {
    name: "framework-internal header",
    path: (n) => `/agents/probe/${n}/state`,
    headers: { "x-agents-rpc": "1" },
    status: 400,
    text: "Reserved header",
  },
  {
    name: "internal RPC path from outside",
    path: (n) => `/agents/probe/${n}/__agents/rpc`,
    method: "POST",
    headers: { "x-agents-rpc": "1" },
    body: '{"method":"echo","args":[1]}',
    status: 400,
    text: "Reserved header",
  },
  {
    name: "over-long _pk on an upgrade",
    path: (n) => `/agents/probe/${n}?_pk=${"k".repeat(200)}`,
    headers: { Upgrade: "websocket" },
    status: 400,
    text: "Invalid _pk",
  },
];

describe("bad input: agent HTTP", () => {
  for (const row of HTTP_ROWS) {
    rowIt(row)(label(row), async () => {
      const name = uniqueName("bad-http");
      const init = { method: row.method ?? "GET", headers: row.headers, body: row.body };
      const response = await fetchWorker(row.path(name), init);
      expect(response.status).toBe(row.status);
      const text = await response.text();
      expect(text).toContain(row.text);
      expect(text).not.toMatch(/panicked|RuntimeError|wasm/);
      const state = await fetchWorker(`/agents/probe/${name}/state`);
      expect(state.status).toBe(200);
      expect((await state.json()).state.count).toBe(0);
    });
  }
});

// ---------------------------------------------------------------- internal RPC (stub calls)

const probeStub = (name) => env.Probe.get(env.Probe.idFromName(name));
const stubCall = (name, body) =>
  probeStub(name).fetch("https://agent/__agents/rpc", {
    method: "POST",
    headers: { "x-agents-rpc": "1", "content-type": "application/json" },
    body,
  });

const RPC_ROWS = [
  { name: "body not JSON", body: "{not json", status: 400, text: /^Invalid internal RPC body: / },
  { name: "empty body", body: "", status: 400, text: /^Invalid internal RPC body: / },
  { name: "body of invalid UTF-8", body: BAD_UTF8, status: 400, text: /^Invalid internal RPC body: / },
  { name: "no method", body: '{"args":[]}', status: 400, text: /missing field `method`/ },
  {
    name: "method of the wrong type",
    body: '{"method":5}',
    status: 400,
    text: /invalid type: integer `5`, expected a string/,
  },
  {
    name: "args not an array",
    body: '{"method":"echo","args":{"a":1}}',
    status: 400,
    text: /invalid type: map, expected a sequence/,
  },
  { name: "NaN", body: '{"method":"setCount","args":[NaN]}', status: 400, text: /^Invalid internal RPC body: / },
  {
    name: "number beyond f64 (1e999)",
    body: '{"method":"setCount","args":[1e999]}',
    status: 400,
    text: /number out of range/,
  },
  {
    name: "129-level nested argument",
    body: `{"method":"echo","args":[${nested(129)}]}`,
    status: 400,
    text: /recursion limit exceeded/,
  },
  { name: "unknown method", body: '{"method":"nope"}', status: 500, error: "Method nope does not exist" },
  {
    name: "argument of the wrong type",
    body: '{"method":"setCount","args":["many"]}',
    status: 500,
    error: /^Invalid argument 1 of setCount/,
  },
  {
    name: "too many arguments",
    body: '{"method":"setCount","args":[1,2]}',
    status: 500,
    error: "Method setCount takes 1 argument, got 2",
  },
];

describe("bad input: internal RPC (stub calls)", () => {
  for (const row of RPC_ROWS) {
    rowIt(row)(label(row), async () => {
      const name = uniqueName("bad-rpc");
      expect(await (await stubCall(name, '{"method":"setCount","args":[2]}')).json()).toEqual({ result: 2 });
      const response = await stubCall(name, row.body);
      expect(response.status).toBe(row.status);
      if (row.error) {
        // The stub reads `error` and fails the call with it.
        const { error } = await response.json();
        expect(error).toMatch(row.error);
      } else {
        expect(await response.text()).toMatch(row.text);
      }
      expect(await (await stubCall(name, '{"method":"echo","args":["ok"]}')).json()).toEqual({ result: "ok" });
      const state = await probeStub(name).fetch("https://agent/state");
      expect((await state.json()).state.count).toBe(2);
    });
  }
});

// ---------------------------------------------------------------- MCP Streamable HTTP

const MCP = "/probe/mcp";
const ping = (id) => `{"jsonrpc":"2.0","id":${id},"method":"ping"}`;
const withParams = (params) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${params}}`;

/** A refusal in the response itself: HTTP status and JSON-RPC error. */
const refused = (status, code, { id = null, message } = {}) => async (response) => {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body).toMatchObject({ jsonrpc: "2.0", id, error: { code } });
  if (message) expect(body.error.message).toMatch(message);
};
/** A JSON-RPC error answered normally (200, in JSON or on the call's stream). */
const answeredWith = (code, message) => async (response) => {
  expect(response.status).toBe(200);
  const json = (await readMessages(response)).at(-1);
  expect(json.error).toMatchObject({ code });
  if (message) expect(json.error.message).toMatch(message);
};

const MCP_ROWS = [
  { name: "body not JSON", body: "{not json", expect: refused(400, -32700) },
  { name: "empty body", body: "", expect: refused(400, -32700) },
  {
    name: "body of invalid UTF-8",
    body: concat(utf8('{"jsonrpc":"2.0","id":1,"method":"'), BAD_UTF8, utf8('"}')),
    expect: refused(400, -32700, { message: /not UTF-8/ }),
  },
  { name: "NaN", body: withParams('{"name":"echo","arguments":{"text":NaN}}'), expect: refused(400, -32700) },
  { name: "Infinity", body: withParams('{"name":"echo","arguments":{"text":Infinity}}'), expect: refused(400, -32700) },
  {
    name: "number beyond f64 (1e999)",
    body: withParams('{"name":"echo","arguments":{"text":1e999}}'),
    expect: refused(400, -32700, { message: /number out of range/ }),
  },
  {
    name: "129-level nested params",
    body: withParams(`{"name":"echo","arguments":{"text":${nested(129)}}}`),
    expect: refused(400, -32700, { message: /recursion limit/ }),
  },
  { name: "empty batch", body: "[]", expect: refused(400, -32600) },
  {
    name: "batch over 100 messages",
    body: `[${Array.from({ length: 101 }, (_, i) => ping(i + 1)).join(",")}]`,
    expect: refused(400, -32600, { message: /at most 100/ }),
  },
  {
    name: "wrong jsonrpc version",
    body: '{"jsonrpc":"1.0","id":3,"method":"ping"}',
    expect: refused(400, -32600, { id: 3 }),
  },
  {
    name: "id of an invalid type is not echoed",
    body: '{"jsonrpc":"1.0","id":{"a":[1]},"method":"ping"}',
    expect: refused(400, -32600),
  },
  { name: "fractional id", body: ping("1.5"), expect: refused(400, -32600) },
  { name: "id beyond u64", body: ping("18446744073709551616"), expect: refused(400, -32600) },
  {
    name: "method of the wrong type",
    body: '{"jsonrpc":"2.0","id":4,"method":7}',
    expect: refused(400, -32600, { id: 4 }),
  },
  { name: "not an object", body: "42", expect: refused(400, -32600) },
  { name: "unknown method", body: '{"jsonrpc":"2.0","id":5,"method":"nope/never"}', expect: answeredWith(-32601) },
  {
    name: "unknown tool",
    body: withParams('{"name":"nope","arguments":{}}'),
    expect: answeredWith(-32602, /Unknown tool: nope/),
  },
  {
    name: "tool arguments not an object",
    body: withParams('{"name":"echo","arguments":[1]}'),
    expect: answeredWith(-32602),
  },
  {
    name: "tool arguments of the wrong type",
    body: withParams('{"name":"echo","arguments":{"text":5}}'),
    expect: async (response) => {
      expect(response.status).toBe(200);
      const json = (await readMessages(response)).at(-1);
      expect(json.result).toMatchObject({ isError: true });
      expect(json.result.content[0].text).toMatch(/^Invalid arguments for tool echo: arguments.text: expected string/);
    },
  },
  {
    name: "body over the endpoint's limit (64 KiB)",
    body: JSON.stringify({ ...request("ping"), pad: "x".repeat(70_000) }),
    expect: refused(413, -32000, { message: /Payload Too Large/ }),
  },
  {
    name: "wrong content type",
    body: ping(6),
    headers: { "content-type": "text/plain" },
    expect: refused(415, -32000),
  },
  {
    name: "accept without event streams",
    body: ping(7),
    headers: { accept: "application/json" },
    expect: refused(406, -32000),
  },
];

describe("bad input: MCP Streamable HTTP", () => {
  for (const row of MCP_ROWS) {
    rowIt(row)(label(row), async () => {
      const { session } = await initialize(MCP);
      await row.expect(await post(MCP, row.body, { session, headers: row.headers }));
      // The same session still serves.
      expect((await call(MCP, session, "ping")).result).toEqual({});
      const echo = await call(MCP, session, "tools/call", { name: "echo", arguments: { text: "still here" } });
      expect(echo.result.content[0].text).toContain("still here");
    });
  }
});

// ---------------------------------------------------------------- MCP legacy SSE

const SSE = "/probe/sse";

/** Opens a legacy SSE session and initializes it. */
async function sseSession() {
  const stream = await fetchWorker(SSE, { headers: { accept: "text/event-stream" } });
  const reader = new EventReader(stream.body);
  const endpoint = (await reader.nextEvent()).data;
  const clientInfo = { name: "x", version: "0" };
  const init = request("initialize", { protocolVersion: "2024-11-05", capabilities: {}, clientInfo });
  expect((await post(endpoint, init)).status).toBe(202);
  expect((await reader.nextMessage()).id).toBe(init.id);
  expect((await post(endpoint, { jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
  return { endpoint, reader };
}

/** Refused on the POST itself. */
const sseRefused = (status, code, message) => async (response) => {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body.error.code).toBe(code);
  if (message) expect(body.error.message).toMatch(message);
};
/** Accepted (202), answered with an error on the session's stream. */
const sseAnswered = (id, code) => async (response, reader) => {
  expect(response.status).toBe(202);
  const message = await reader.nextMessage();
  expect(message).toMatchObject({ id, error: { code } });
};

const SSE_ROWS = [
  { name: "body not JSON", body: "{not json", expect: sseRefused(400, -32700) },
  { name: "body of invalid UTF-8", body: BAD_UTF8, expect: sseRefused(400, -32700, /not UTF-8/) },
  { name: "NaN", body: '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":NaN}}', expect: sseRefused(400, -32700) },
  {
    name: "number beyond f64 (1e999)",
    body: '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":1e999}}',
    expect: sseRefused(400, -32700),
  },
  {
    name: "129-level nested params",
    body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${nested(129)}}}`,
    expect: sseRefused(400, -32700),
  },
  {
    name: "batch over 100 messages",
    body: `[${Array.from({ length: 101 }, (_, i) => ping(i + 1)).join(",")}]`,
    expect: sseRefused(400, -32600, /at most 100/),
  },
  { name: "wrong jsonrpc version", body: '{"jsonrpc":"1.0","id":3,"method":"ping"}', expect: sseAnswered(3, -32600) },
  { name: "unknown method", body: '{"jsonrpc":"2.0","id":8,"method":"nope/never"}', expect: sseAnswered(8, -32601) },
  {
    name: "unknown tool",
    body: '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"nope"}}',
    expect: sseAnswered(9, -32602),
  },
  {
    name: "body over the endpoint's limit (4 MiB)",
    body: JSON.stringify({ ...request("ping"), pad: "x".repeat(4 * 1024 * 1024) }),
    expect: sseRefused(413, -32000, /Payload Too Large/),
  },
  {
    name: "wrong content type",
    body: ping(10),
    headers: { "content-type": "text/plain" },
    expect: sseRefused(415, -32000),
  },
  { name: "malformed session id", body: ping(11), query: "?sessionId=../x", expect: sseRefused(404, -32001) },
  { name: "no session id", body: ping(12), query: "", expect: sseRefused(400, -32000, /sessionId/) },
];

describe("bad input: MCP legacy SSE", () => {
  for (const row of SSE_ROWS) {
    rowIt(row)(label(row), async () => {
      const { endpoint, reader } = await sseSession();
      const target = row.query === undefined ? endpoint : `${SSE}/message${row.query}`;
      await row.expect(await post(target, row.body, { headers: row.headers }), reader);
      // The same session still serves.
      const again = request("ping");
      expect((await post(endpoint, again)).status).toBe(202);
      expect(await reader.nextMessage()).toMatchObject({ id: again.id, result: {} });
      await reader.cancel();
    });
  }
});

