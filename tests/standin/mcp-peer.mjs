// A small MCP server over Streamable HTTP for the MCP client tests, with the
// faults a real server rarely shows on demand. Written for these tests.
//
//   /json/mcp     answers in JSON; sessions; tools/list in two pages; tools
//                 `echo`, `huge` (a 5 MiB JSON reply), `boom` (a JSON-RPC error)
//   /events/mcp   initializes in JSON, answers tools/call as an event stream:
//                 `flood` (2000 notifications and no response), `big-event`
//                 (one 5 MiB event), `echo` (a notification, then the response),
//                 `ask` (sends ping, elicitation/create, sampling/createMessage
//                 and roots/list requests on the stream, waits for the client's
//                 POSTed answers, and returns them as its text, a JSON object
//                 by request id), `change` (tools/list_changed and a log
//                 message, then the response; the session's tools/list has a
//                 tool `added` from then on)
//   /wide/mcp     as /json/mcp, but tools/list in 20 pages of 3 tools with
//                 300 KB descriptions each (about 18 MB in all)
//   /down/mcp     500 with a JSON-RPC error body
//   /flaky/mcp    503 until `POST /flaky?up=1`, then as /json/mcp (`?up=0`: down again)
//   /secure/mcp   401 with a Bearer challenge naming its resource metadata
//   POST /forget  forgets every session (the next request with one gets 404)
//   GET /log      what was asked: deleted session ids, initializes, methods
//   A GET of a server path is 405: no standalone stream.
import http from "node:http";

const PROTOCOL = "2025-06-18";

export async function startMcpPeer(port) {
  const sessions = new Set();
  const log = { deleted: [], initialized: 0, methods: [] };
  let next = 0;
  let flakyUp = false; // whether /flaky/mcp answers
  const changed = new Set(); // sessions whose tools/list has `added`
  const waiting = new Map(); // id of a request to the client -> resolve(its response)

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const body = await new Promise((resolve) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    if (url.pathname === "/forget") {
      sessions.clear();
      return res.end("forgotten");
    }
    if (url.pathname === "/log") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify(log));
    }
    if (url.pathname === "/down/mcp") {
      res.writeHead(500, { "content-type": "application/json" });
      return res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32603, message: "database on fire" } }));
    }
    if (url.pathname === "/redirect/mcp") {
      // Points elsewhere (the peer's own working endpoint): a client must not follow it.
      res.writeHead(307, { location: `http://127.0.0.1:${port}/json/mcp` });
      return res.end();
    }
    if (url.pathname === "/secure/mcp") {
      const metadata = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/secure/mcp`;
      res.writeHead(401, { "www-authenticate": `Bearer resource_metadata="${metadata}"` });
      return res.end("unauthorized");
    }
    if (url.pathname === "/flaky") {
      flakyUp = url.searchParams.get("up") === "1";
      return res.end(String(flakyUp));
    }
    if (url.pathname === "/flaky/mcp" && !flakyUp) {
      res.writeHead(503);
      return res.end("down for now");
    }
    const mode = { "/json/mcp": "json", "/events/mcp": "events", "/wide/mcp": "wide", "/flaky/mcp": "json" }[url.pathname] ?? null;
    if (!mode) {
      res.writeHead(404);
      return res.end("no such path");
    }
    const sessionId = req.headers["mcp-session-id"];
    if (req.method === "GET") {
      res.writeHead(405); // no standalone stream
      return res.end();
    }
    if (req.method === "DELETE") {
      log.deleted.push(sessionId);
      sessions.delete(sessionId);
      res.writeHead(200);
      return res.end();
    }
    let message;
    try {
      message = JSON.parse(body);
    } catch {
      res.writeHead(400);
      return res.end("not json");
    }
    log.methods.push(message.method);
    if (message.method === "initialize") {
      log.initialized += 1;
      const id = `s-${++next}`;
      sessions.add(id);
      res.writeHead(200, { "content-type": "application/json", "mcp-session-id": id });
      return res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: message.id,
          result: {
            protocolVersion: PROTOCOL,
            capabilities: { tools: {} },
            serverInfo: { name: "mcp-peer", version: "1" },
            instructions: "A test peer.",
          },
        }),
      );
    }
    if (!sessions.has(sessionId)) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } }));
    }
    if (req.headers["mcp-protocol-version"] !== PROTOCOL) {
      res.writeHead(400);
      return res.end(`bad protocol version header: ${req.headers["mcp-protocol-version"]}`);
    }
    if (message.method === undefined && message.id !== undefined && waiting.has(message.id)) {
      // The client's answer to a request of ours.
      waiting.get(message.id)(message);
      waiting.delete(message.id);
      res.writeHead(202);
      return res.end();
    }
    if (message.id === undefined) {
      res.writeHead(202);
      return res.end();
    }
    const reply = (result) => JSON.stringify({ jsonrpc: "2.0", id: message.id, result });
    if (message.method === "tools/list" && mode === "wide") {
      // 20 pages of 3 tools with 300 KB descriptions (about 18 MB in all).
      const n = Number(/^p(\d+)$/.exec(message.params?.cursor ?? "")?.[1] ?? 0);
      const tools = [0, 1, 2].map((i) => ({ name: `t${n}_${i}`, description: "x".repeat(300_000), inputSchema: { type: "object" } }));
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(reply(n < 19 ? { tools, nextCursor: `p${n + 1}` } : { tools }));
    }
    if (message.method === "tools/list") {
      const tool = (name) => ({ name, inputSchema: { type: "object" } });
      const result = message.params?.cursor === "page-2"
        ? { tools: [tool("huge"), tool("boom"), ...(changed.has(sessionId) ? [tool("added")] : [])] }
        : { tools: [tool("echo")], nextCursor: "page-2" };
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(reply(result));
    }
    if (message.method !== "tools/call") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } }));
    }
    const name = message.params?.name;
    const text = (t) => reply({ content: [{ type: "text", text: t }] });
    if (mode === "json") {
      res.writeHead(200, { "content-type": "application/json" });
      if (name === "huge") return res.end(text("x".repeat(5 * 1024 * 1024)));
      if (name === "boom") {
        return res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, error: { code: -32602, message: "boom: no such thing" } }));
      }
      return res.end(text(`echo: ${JSON.stringify(message.params?.arguments ?? {})}`));
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const event = (data) => `event: message\ndata: ${data}\n\n`;
    const note = JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "hi" } });
    if (name === "flood") {
      for (let i = 0; i < 2000; i++) res.write(event(note));
      return; // never a response, never an end: the client has to stop by itself
    }
    if (name === "big-event") {
      res.write(`event: message\ndata: ${"y".repeat(5 * 1024 * 1024)}`);
      return;
    }
    if (name === "ask") {
      const asks = [
        ["p-1", "ping", undefined],
        ["e-1", "elicitation/create", { message: "Your name?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } }],
        ["s-1", "sampling/createMessage", { messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 5 }],
        ["r-1", "roots/list", undefined],
      ];
      const answers = asks.map(([id]) => new Promise((resolve) => waiting.set(id, resolve)));
      for (const [id, method, params] of asks) res.write(event(JSON.stringify({ jsonrpc: "2.0", id, method, params })));
      const got = await Promise.all(answers);
      return res.end(event(text(JSON.stringify(Object.fromEntries(got.map((a) => [a.id, a.result ?? { error: a.error }]))))));
    }
    if (name === "change") {
      changed.add(sessionId);
      res.write(event(JSON.stringify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" })));
      res.write(event(JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "warning", logger: "peer", data: "tools changed" } })));
      return res.end(event(text("changed")));
    }
    res.write(": keep-alive\n\n");
    res.write(event(note));
    res.end(event(text("echo over events")));
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    stop: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
