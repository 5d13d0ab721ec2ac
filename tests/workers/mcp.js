// Raw MCP over HTTP against the fixture worker: JSON-RPC posts and an SSE reader.
import { fetchWorker } from "./frames.js";

export const ACCEPT = "application/json, text/event-stream";
let nextId = 1;

/** POSTs a JSON-RPC body: text and bytes as they are, anything else as JSON. */
export function post(path, body, { session, headers = {} } = {}) {
  return fetchWorker(path, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: ACCEPT,
      ...(session ? { "mcp-session-id": session } : {}),
      ...headers,
    },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

export function request(method, params) {
  return { jsonrpc: "2.0", id: nextId++, method, ...(params === undefined ? {} : { params }) };
}

/** Opens a session at `path` and returns its id. */
export async function initialize(path, protocolVersion = "2025-06-18", capabilities = {}) {
  const response = await post(
    path,
    request("initialize", { protocolVersion, capabilities, clientInfo: { name: "raw", version: "0" } }),
  );
  if (response.status !== 200) throw new Error(`initialize: ${response.status} ${await response.text()}`);
  const session = response.headers.get("mcp-session-id");
  const body = await response.json();
  await post(path, { jsonrpc: "2.0", method: "notifications/initialized" }, { session });
  return { session, result: body.result };
}

/** Sends one request in a session and returns the JSON-RPC response (JSON or SSE). */
export async function call(path, session, method, params) {
  const response = await post(path, request(method, params), { session });
  const events = await readMessages(response);
  return events.at(-1);
}

/** The JSON-RPC messages of a response: its JSON body, or each SSE `message` event. */
export async function readMessages(response) {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) return [await response.json()];
  const events = parseEvents(await response.text());
  // Skips the priming event (an id with empty data) and keep-alive comments.
  return events.filter((e) => (e.event ?? "message") === "message" && e.data).map((e) => JSON.parse(e.data));
}

export function parseEvents(text) {
  const events = [];
  for (const block of text.split("\n\n")) {
    const event = {};
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event.event = line.slice(7);
      else if (line.startsWith("id: ")) event.id = line.slice(4);
      else if (line.startsWith("retry: ")) event.retry = Number(line.slice(7));
      else if (line.startsWith("data: ")) data.push(line.slice(6));
      else if (line.startsWith(": ")) event.comment = line.slice(2);
    }
    if (data.length) event.data = data.join("\n");
    if (event.data !== undefined || event.comment !== undefined) events.push(event);
  }
  return events;
}

/** Reads SSE events from a streaming body as they arrive. */
export class EventReader {
  constructor(body) {
    this.reader = body.getReader();
    this.decoder = new TextDecoder();
    this.buffer = "";
  }

  async next() {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buffer.slice(0, end + 2);
        this.buffer = this.buffer.slice(end + 2);
        return parseEvents(block)[0];
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next event that is not a comment or a priming event. */
  async nextEvent() {
    for (;;) {
      const event = await this.next();
      if (!event || event.data) return event;
    }
  }

  /** The next JSON-RPC message. */
  async nextMessage() {
    const event = await this.nextEvent();
    return event && { ...JSON.parse(event.data), eventId: event.id };
  }

  cancel() {
    return this.reader.cancel();
  }
}
