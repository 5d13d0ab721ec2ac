// Bodies are counted while they stream in: one without Content-Length is
// refused with 413 as soon as it passes the limit, never buffered whole. The
// bodies here never end, so a reader that waited for the end would hang.
import { describe, expect, it } from "vitest";
import { fetchWorker, uniqueName } from "./frames.js";
import { ACCEPT, initialize } from "./mcp.js";

/** A body that streams 16 KiB chunks for ever; `sent()` counts what was pulled. */
function endlessBody() {
  let pulled = 0;
  const chunk = new TextEncoder().encode(`[${" ".repeat(16 * 1024 - 2)}]`);
  const stream = new ReadableStream({
    pull(controller) {
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, sent: () => pulled };
}

function postEndless(path, headers = {}) {
  const body = endlessBody();
  const response = fetchWorker(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT, ...headers },
    body: body.stream,
    duplex: "half",
  });
  return { response, body };
}

describe("request bodies", () => {
  it("refuses an endless chunked body to a Streamable HTTP endpoint with 413", async () => {
    const { session } = await initialize("/probe/mcp");
    const { response, body } = postEndless("/probe/mcp", { "mcp-session-id": session });
    const refused = await response;
    expect(refused.status).toBe(413);
    expect((await refused.json()).error.message).toContain("limit is 65536 bytes");
    // Reading stopped near the limit, not megabytes later.
    expect(body.sent()).toBeLessThan(1024 * 1024);
  });

  it("refuses an endless chunked body to a legacy SSE endpoint with 413", async () => {
    const { response } = postEndless("/probe/sse/message?sessionId=0123456789abcdef0123456789abcdef");
    const refused = await response;
    expect(refused.status).toBe(413);
  });

  it("gives on_request a body reader with a limit (workers_agents::body)", async () => {
    const path = `/agents/probe/${uniqueName("body")}/body`;
    const { response } = postEndless(path);
    const refused = await response;
    expect(refused.status).toBe(413);
    expect(await refused.text()).toContain("Payload Too Large: limit is 65536 bytes");
    const ok = await fetchWorker(path, { method: "POST", body: JSON.stringify({ a: 1, b: 2 }) });
    expect(await ok.json()).toEqual({ keys: 2 });
    const declared = await fetchWorker(path, { method: "POST", body: "x".repeat(70 * 1024) });
    expect(declared.status).toBe(413);
    const malformed = await fetchWorker(path, { method: "POST", body: "{nope" });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("invalid JSON body");
  });
});
