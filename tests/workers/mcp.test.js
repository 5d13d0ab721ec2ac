import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { fetchWorker } from "./frames.js";
import { ACCEPT, EventReader, call, initialize, post, readMessages, request } from "./mcp.js";

const text = (response) => response.result.content.map((c) => c.text).join("");

describe("MCP over Streamable HTTP", () => {
  it("initializes a session with the negotiated version and the server's capabilities", async () => {
    const { session, result } = await initialize("/mcp", "2025-06-18");
    expect(session).toMatch(/^[0-9a-f]{32}$/);
    expect(result).toMatchObject({
      protocolVersion: "2025-06-18",
      serverInfo: { name: "Demo", version: "1.0.0" },
      capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} },
    });
    expect((await initialize("/mcp", "1999-01-01")).result.protocolVersion).toBe("2025-11-25");
    expect((await call("/mcp", session, "ping")).result).toEqual({});
  });

  it("keeps each session's state across calls and eviction, separate from other sessions", async () => {
    const a = (await initialize("/mcp")).session;
    const b = (await initialize("/mcp")).session;
    expect(text(await call("/mcp", a, "tools/call", { name: "add", arguments: { a: 5 } }))).toBe(
      "Added 5, total is now 6",
    );
    expect(text(await call("/mcp", b, "tools/call", { name: "add", arguments: { a: 1 } }))).toBe(
      "Added 1, total is now 2",
    );
    const instance = env.CounterMcp.get(env.CounterMcp.idFromName(`streamable-http:${a}`));
    await evictDurableObject(instance);
    const read = await call("/mcp", a, "resources/read", { uri: "mcp://resource/counter" });
    expect(read.result.contents).toEqual([{ uri: "mcp://resource/counter", mimeType: "text/plain", text: "6" }]);
    const prompt = await call("/mcp", a, "prompts/get", { name: "explain", arguments: { style: "short" } });
    expect(prompt.result.messages[0].content.text).toBe("Explain in a short style what a counter at 6 means.");
  });

  it("answers bad input with the spec's codes and keeps the session working", async () => {
    const { session } = await initialize("/mcp");
    const unknownTool = await call("/mcp", session, "tools/call", { name: "nope", arguments: {} });
    expect(unknownTool.error).toMatchObject({ code: -32602, message: "Unknown tool: nope" });
    const badArgs = await call("/mcp", session, "tools/call", { name: "add", arguments: { a: "five" } });
    expect(badArgs.result).toEqual({
      content: [{ type: "text", text: "Invalid arguments for tool add: arguments.a: expected integer, got string" }],
      isError: true,
    });
    const extra = await call("/mcp", session, "tools/call", { name: "add", arguments: { a: 1, b: 2 } });
    expect(text(extra)).toBe("Invalid arguments for tool add: arguments.b: unexpected property");
    const notObject = await call("/mcp", session, "tools/call", { name: "add", arguments: [1] });
    expect(notObject.error.code).toBe(-32602);
    expect((await call("/mcp", session, "nope/never")).error).toMatchObject({ code: -32601 });

    const parse = await post("/mcp", "{not json", { session });
    expect(parse.status).toBe(400);
    expect((await parse.json()).error.code).toBe(-32700);
    const invalid = await post("/mcp", { jsonrpc: "1.0", id: 3, method: "ping" }, { session });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ id: 3, error: { code: -32600 } });
    const again = await post("/mcp", request("initialize", { protocolVersion: "2025-06-18" }), { session });
    expect(again.status).toBe(400);
    const version = await post("/mcp", request("ping"), { session, headers: { "mcp-protocol-version": "1999-01-01" } });
    expect(version.status).toBe(400);
    const note = await post("/mcp", { jsonrpc: "2.0", method: "notifications/whatever" }, { session });
    expect(note.status).toBe(202);
    expect(await note.text()).toBe("");
    expect(text(await call("/mcp", session, "tools/call", { name: "add", arguments: { a: 1 } }))).toContain("total");
  });

  it("refuses wrong headers, bodies, methods and sessions at the HTTP layer", async () => {
    const ping = JSON.stringify(request("ping"));
    const json = { "content-type": "application/json" };
    const noSse = await fetchWorker("/mcp", { method: "POST", headers: { ...json, accept: "application/json" }, body: ping });
    expect(noSse.status).toBe(406);
    const form = await fetchWorker("/mcp", { method: "POST", headers: { accept: ACCEPT, "content-type": "text/plain" }, body: ping });
    expect(form.status).toBe(415);
    const big = await post("/probe/mcp", JSON.stringify({ ...request("ping"), pad: "x".repeat(70_000) }));
    expect(big.status).toBe(413);
    const noSession = await post("/mcp", request("tools/list"));
    expect(noSession.status).toBe(400);
    const unknown = await post("/mcp", request("tools/list"), { session: "0".repeat(32) });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe(-32001);
    const malformed = await post("/mcp", request("tools/list"), { session: "../x" });
    expect(malformed.status).toBe(404);
    const put = await fetchWorker("/mcp", { method: "PUT" });
    expect(put.status).toBe(405);
    const preflight = await fetchWorker("/mcp", { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    // No origin asked: no CORS grant (allowed origins get theirs, see mcp-limits).
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    // Internal transport headers cannot be smuggled through the agents router.
    const smuggled = await fetchWorker("/agents/counter-mcp/x", { headers: { "x-agents-mcp": "sse" } });
    expect(smuggled.status).toBe(400);
  });

  it("ends a session on DELETE; later requests get 404 so clients re-initialize", async () => {
    const { session } = await initialize("/mcp");
    const end = await fetchWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": session } });
    expect(end.status).toBe(200);
    const after = await post("/mcp", request("ping"), { session });
    expect(after.status).toBe(404);
    expect((await after.json()).error.code).toBe(-32001);
  });

  it("answers batches only where the protocol version allows them", async () => {
    const old = (await initialize("/mcp", "2025-03-26")).session;
    const batch = [request("ping"), { jsonrpc: "2.0", method: "notifications/x" }, request("tools/list")];
    const replies = await (await post("/mcp", batch, { session: old })).json();
    expect(replies.map((r) => r.id)).toEqual([batch[0].id, batch[2].id]);
    expect(replies[1].result.tools[0].name).toBe("add");
    const current = (await initialize("/mcp", "2025-06-18")).session;
    const refused = await post("/mcp", batch, { session: current });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe(-32600);
  });
});

describe("MCP tools that notify, fail and get cancelled", () => {
  it("streams progress and log notifications before the result", async () => {
    const { session } = await initialize("/probe/mcp");
    const body = request("tools/call", { name: "progress", arguments: { steps: 3 }, _meta: { progressToken: "p1" } });
    const response = await post("/probe/mcp", body, { session });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const messages = await readMessages(response);
    const progress = messages.filter((m) => m.method === "notifications/progress").map((m) => m.params);
    expect(progress).toEqual([1, 2, 3].map((n) => ({ progressToken: "p1", progress: n, total: 3, message: `step ${n}` })));
    const logs = messages.filter((m) => m.method === "notifications/message").map((m) => m.params.data);
    expect(logs).toEqual(["step 1", "step 2", "step 3"]);
    expect(messages.at(-1)).toMatchObject({ id: body.id, result: { content: [{ text: "done after 3 steps" }] } });

    // Above the client's level only: info logs stop after setLevel("error").
    expect((await call("/probe/mcp", session, "logging/setLevel", { level: "error" })).result).toEqual({});
    const quiet = await readMessages(
      await post("/probe/mcp", request("tools/call", { name: "progress", arguments: { steps: 1 } }), { session }),
    );
    expect(quiet.map((m) => m.method ?? "result")).toEqual(["result"]);
    expect((await call("/probe/mcp", session, "logging/setLevel", { level: "loud" })).error.code).toBe(-32602);
  });

  it("turns tool errors into isError results and panics into internal errors, and keeps serving", async () => {
    const { session } = await initialize("/probe/mcp");
    const failed = await call("/probe/mcp", session, "tools/call", { name: "fail" });
    expect(failed.result).toMatchObject({ isError: true, content: [{ text: "the probe failed on purpose" }] });
    const panicked = await call("/probe/mcp", session, "tools/call", { name: "panic" });
    expect(panicked.error).toMatchObject({ code: -32603 });
    expect(panicked.error.message).toMatch(/^Internal error \(ref [0-9a-f]{8}\)$/);
    expect(text(await call("/probe/mcp", session, "tools/call", { name: "echo", arguments: { text: "still here" } }))).toBe(
      "still here",
    );
  });

  it("stops a cancelled call without answering it", async () => {
    const { session } = await initialize("/probe/mcp");
    const slow = request("tools/call", { name: "slow", arguments: { ms: 20_000 } });
    const started = await post("/probe/mcp", slow, { session });
    const cancel = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: slow.id, reason: "test" } };
    expect((await post("/probe/mcp", cancel, { session })).status).toBe(202);
    const messages = await readMessages(started);
    expect(messages.filter((m) => m.id === slow.id)).toEqual([]);
  });

  it("pages long lists with cursors", async () => {
    const { session } = await initialize("/probe/mcp");
    const first = (await call("/probe/mcp", session, "tools/list")).result;
    expect(first.tools).toHaveLength(100);
    const second = (await call("/probe/mcp", session, "tools/list", { cursor: first.nextCursor })).result;
    expect(second.tools).toHaveLength(13);
    expect(second.nextCursor).toBeUndefined();
    expect((await call("/probe/mcp", session, "tools/list", { cursor: "bogus" })).error.code).toBe(-32602);
  });

  it("opens one standalone GET stream per session, with keep-alives", async () => {
    const { session } = await initialize("/probe/mcp");
    const headers = { accept: "text/event-stream", "mcp-session-id": session };
    const stream = await fetchWorker("/probe/mcp", { headers });
    expect(stream.status).toBe(200);
    const reader = new EventReader(stream.body);
    const priming = await reader.next();
    expect(priming).toMatchObject({ data: "", retry: 500 });
    expect(priming.id).toMatch(/^[0-9a-f]{16}_0$/);
    expect((await reader.next()).comment).toBe("keep-alive");
    expect((await fetchWorker("/probe/mcp", { headers })).status).toBe(409);
    await reader.cancel();
    const wrongAccept = await fetchWorker("/probe/mcp", { headers: { ...headers, accept: "application/json" } });
    expect(wrongAccept.status).toBe(406);
  });
});

describe("MCP over legacy SSE", () => {
  it("announces the endpoint, answers on the stream, and keeps the session's state", async () => {
    const stream = await fetchWorker("/sse", { headers: { accept: "text/event-stream" } });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const reader = new EventReader(stream.body);
    const endpoint = await reader.nextEvent();
    expect(endpoint.event).toBe("endpoint");
    expect(endpoint.data).toMatch(/^\/sse\/message\?sessionId=[0-9a-f]{32}$/);

    const init = request("initialize", { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "x", version: "0" } });
    const accepted = await post(endpoint.data, init);
    expect(accepted.status).toBe(202);
    const initialized = JSON.parse((await reader.nextEvent()).data);
    expect(initialized).toMatchObject({ id: init.id, result: { protocolVersion: "2024-11-05" } });

    for (const a of [2, 3]) {
      const add = request("tools/call", { name: "add", arguments: { a } });
      expect((await post(endpoint.data, add)).status).toBe(202);
      const reply = JSON.parse((await reader.nextEvent()).data);
      expect(reply.id).toBe(add.id);
    }
    const read = request("resources/read", { uri: "mcp://resource/counter" });
    await post(endpoint.data, read);
    expect(JSON.parse((await reader.nextEvent()).data).result.contents[0].text).toBe("6");
    await reader.cancel();
  });

  it("refuses posts without a session or to an unknown one", async () => {
    expect((await post("/sse/message", request("ping"))).status).toBe(400);
    expect((await post(`/sse/message?sessionId=${"a".repeat(32)}`, request("ping"))).status).toBe(404);
    expect((await post("/sse/message?sessionId=nope", request("ping"))).status).toBe(404);
  });
});

describe("MCP server features: client requests, resumable streams, subscriptions, completions, hosts", () => {
  it("asks the client (sampling, then elicitation) inside a tool call and uses the answers", async () => {
    const { session } = await initialize("/probe/mcp", "2025-11-25", { sampling: {}, elicitation: {} });
    const ask = request("tools/call", { name: "ask", arguments: { text: "greet" } });
    const reader = new EventReader((await post("/probe/mcp", ask, { session })).body);
    const sampling = await reader.nextMessage();
    expect(sampling).toMatchObject({ method: "sampling/createMessage", params: { maxTokens: 50 } });
    expect(sampling.params.messages[0].content.text).toBe("greet");
    const answer = { role: "assistant", content: { type: "text", text: "hello" }, model: "stand-in" };
    const posted = await post("/probe/mcp", { jsonrpc: "2.0", id: sampling.id, result: answer }, { session });
    expect(posted.status).toBe(202);
    const elicitation = await reader.nextMessage();
    expect(elicitation).toMatchObject({ method: "elicitation/create", params: { message: 'Send "hello"?' } });
    await post("/probe/mcp", { jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { ok: true } } }, { session });
    const result = await reader.nextMessage();
    expect(result).toMatchObject({ id: ask.id, result: { content: [{ text: 'model said "hello"; user: "accept"' }] } });

    // A client without the capability gets a tool error, not a hang.
    const plain = (await initialize("/probe/mcp")).session;
    const refused = await call("/probe/mcp", plain, "tools/call", { name: "ask", arguments: { text: "x" } });
    expect(refused.result).toMatchObject({ isError: true, content: [{ text: "Client does not support sampling (sampling/createMessage)" }] });
  });

  it("redelivers what a dropped stream missed when the client resumes with Last-Event-ID", async () => {
    const { session } = await initialize("/probe/mcp");
    const drop = request("tools/call", { name: "drop_stream" });
    const reader = new EventReader((await post("/probe/mcp", drop, { session })).body);
    const priming = await reader.next();
    const before = await reader.nextMessage();
    expect(before.params.data).toBe("before the drop");
    expect(await reader.next()).toBeUndefined(); // the server closed the stream mid-call
    await new Promise((r) => setTimeout(r, 300));
    const headers = { accept: "text/event-stream", "mcp-session-id": session };
    const resumed = await fetchWorker("/probe/mcp", { headers: { ...headers, "last-event-id": priming.id } });
    const messages = await readMessages(resumed);
    expect(messages.map((m) => m.params?.data ?? m.result.content[0].text)).toEqual([
      "before the drop",
      "after the drop",
      "finished while disconnected",
    ]);
    const fromMiddle = await fetchWorker("/probe/mcp", { headers: { ...headers, "last-event-id": before.eventId } });
    expect((await readMessages(fromMiddle)).map((m) => m.id ?? m.params.data)).toEqual(["after the drop", drop.id]);
    const malformed = await fetchWorker("/probe/mcp", { headers: { ...headers, "last-event-id": "nope" } });
    expect(malformed.status).toBe(400);
  });

  it("tells subscribers on the standalone stream that a resource changed", async () => {
    const { session } = await initialize("/probe/mcp");
    const stream = await fetchWorker("/probe/mcp", { headers: { accept: "text/event-stream", "mcp-session-id": session } });
    const reader = new EventReader(stream.body);
    const touch = async () => text(await call("/probe/mcp", session, "tools/call", { name: "touch", arguments: { uri: "probe://watched" } }));
    expect(await touch()).toBe("not notified");
    expect((await call("/probe/mcp", session, "resources/subscribe", { uri: "probe://watched" })).result).toEqual({});
    expect(await touch()).toBe("notified");
    expect(await reader.nextMessage()).toMatchObject({
      method: "notifications/resources/updated",
      params: { uri: "probe://watched" },
    });
    expect((await call("/probe/mcp", session, "resources/unsubscribe", { uri: "probe://watched" })).result).toEqual({});
    expect(await touch()).toBe("not notified");
    await reader.cancel();
  });

  it("guards against DNS rebinding: foreign Host or Origin get 403, local ones are served", async () => {
    const at = (url, headers = {}) =>
      exports.default.fetch(
        new Request(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: ACCEPT, ...headers },
          body: JSON.stringify(request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "h", version: "0" } })),
        }),
      );
    expect((await at("http://evil.example.com/conformance/mcp")).status).toBe(403);
    expect((await at("http://localhost:8788/conformance/mcp", { origin: "http://evil.example.com" })).status).toBe(403);
    const local = await at("http://127.0.0.1:8788/conformance/mcp", { origin: "http://localhost:8788" });
    expect(local.status).toBe(200);
    const session = local.headers.get("mcp-session-id");
    const complete = await exports.default.fetch(
      new Request("http://localhost/conformance/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: ACCEPT, "mcp-session-id": session },
        body: JSON.stringify(
          request("completion/complete", {
            ref: { type: "ref/prompt", name: "test_prompt_with_arguments" },
            argument: { name: "arg1", value: "par" },
          }),
        ),
      }),
    );
    expect((await complete.json()).result).toEqual({ completion: { values: ["paris", "park", "party"], total: 3, hasMore: false } });
  });
});
