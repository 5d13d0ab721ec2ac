// MCP servers built on the official TypeScript SDK's own server transports
// (real peers that are not ours), for what its example servers do not show
// on a port of our choosing. Written for these tests.
//
//   GET  /sse             the legacy HTTP+SSE transport (SSEServerTransport);
//                         its endpoint event names /messages
//   POST /messages        that transport's messages (?sessionId=)
//   GET  /elsewhere/sse   a legacy stream whose endpoint event names another
//                         origin (the client must refuse to POST there)
//   /mcp                  Streamable HTTP (StreamableHTTPServerTransport, with
//                         sessions), whose tool `ask` sends its elicitation on
//                         the standalone GET stream, unrelated to the call
//   GET  /log             {sseSessions, getStreams}: legacy streams opened, and
//                         standalone GET streams opened
//
// Tools of every server: `echo {text}` (its text back), `log` (a log message,
// then "logged"), `ask` (an elicitation; the answer as JSON text), `sample`
// (a sampling request; "{model}: {text}" of the answer), `slow {ms}` (answers
// after `ms` milliseconds).
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import * as z from "zod/v4";

function server() {
  const mcp = new McpServer({ name: "sdk-peer", version: "1.0.0" }, { capabilities: { logging: {} } });
  mcp.registerTool("echo", { description: "Echoes", inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  mcp.registerTool("log", { description: "Logs, then answers" }, async (extra) => {
    await mcp.server.sendLoggingMessage({ level: "info", data: "from the sdk peer" }, extra.sessionId);
    return { content: [{ type: "text", text: "logged" }] };
  });
  mcp.registerTool("ask", { description: "Asks the client" }, async () => {
    // No related request: over Streamable HTTP this goes on the standalone GET stream.
    const answer = await mcp.server.elicitInput({
      message: "Who are you?",
      requestedSchema: {
        type: "object",
        properties: { name: { type: "string" }, tier: { type: "string", default: "gold" } },
      },
    });
    return { content: [{ type: "text", text: JSON.stringify(answer) }] };
  });
  mcp.registerTool("sample", { description: "Asks the client's model" }, async () => {
    // The SDK refuses this unless the client declared `sampling`.
    const answer = await mcp.server.createMessage({
      messages: [{ role: "user", content: { type: "text", text: "2 + 2?" } }],
      maxTokens: 10,
    });
    return { content: [{ type: "text", text: `${answer.model}: ${answer.content.text}` }] };
  });
  mcp.registerTool("slow", { description: "Answers late", inputSchema: { ms: z.number() } }, async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { content: [{ type: "text", text: `slept ${ms} ms` }] };
  });
  return mcp;
}

async function bodyOf(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

export async function startSdkPeers(port) {
  const legacy = new Map(); // session id -> SSEServerTransport
  const streamable = new Map(); // session id -> StreamableHTTPServerTransport
  const log = { sseSessions: 0, getStreams: 0 };

  const httpServer = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    try {
      if (url.pathname === "/log") {
        res.setHeader("content-type", "application/json");
        return res.end(JSON.stringify(log));
      }
      if (req.method === "GET" && url.pathname === "/elsewhere/sse") {
        // Written by hand: the SDK's transport names only a path.
        res.writeHead(200, { "content-type": "text/event-stream" });
        return res.write(`event: endpoint\ndata: http://127.0.0.2:${port}/messages?sessionId=x\n\n`);
      }
      if (req.method === "GET" && url.pathname === "/sse") {
        const transport = new SSEServerTransport("/messages", res);
        legacy.set(transport.sessionId, transport);
        transport.onclose = () => legacy.delete(transport.sessionId);
        log.sseSessions += 1;
        await server().connect(transport);
        return;
      }
      if (req.method === "POST" && url.pathname === "/messages") {
        const transport = legacy.get(url.searchParams.get("sessionId"));
        if (!transport) {
          res.writeHead(404).end("Session not found");
          return;
        }
        return await transport.handlePostMessage(req, res, await bodyOf(req));
      }
      if (url.pathname === "/mcp") {
        const id = req.headers["mcp-session-id"];
        const body = req.method === "POST" ? await bodyOf(req) : undefined;
        let transport = id ? streamable.get(id) : undefined;
        if (!transport && !id && body?.method === "initialize") {
          transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (sid) => streamable.set(sid, transport),
          });
          transport.onclose = () => transport.sessionId && streamable.delete(transport.sessionId);
          await server().connect(transport);
        }
        if (!transport) {
          res.writeHead(id ? 404 : 400, { "content-type": "application/json" });
          return res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: "no session" } }));
        }
        if (req.method === "GET") log.getStreams += 1;
        return await transport.handleRequest(req, res, body);
      }
      res.writeHead(404).end("not found");
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    }
  });
  await new Promise((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const t of [...legacy.values(), ...streamable.values()]) await t.close().catch(() => {});
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
