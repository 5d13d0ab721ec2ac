// The assistant example (examples/assistant), served by the fixture worker,
// its model played by the OpenAI-compatible stand-in.
import { describe, expect, it } from "vitest";
import { connect, fetchWorker, uniqueName } from "./frames.js";
import { parseEvents } from "./mcp.js";

/** Calls a streaming method; resolves with its chunks and final frame. */
async function streamCall(client, method, args, onChunk = () => {}) {
  const id = crypto.randomUUID();
  const chunks = [];
  client.send({ type: "rpc", id, method, args });
  for (;;) {
    const frame = await client.next((f) => f.type === "rpc" && f.id === id, 10_000);
    if (frame.done === true || frame.success === false) return { chunks, final: frame };
    chunks.push(frame.result);
    onChunk(frame.result, chunks);
  }
}

const textOf = (chunks) => chunks.filter((c) => c.type === "delta").map((c) => c.text).join("");

async function assistant() {
  const client = await connect(`/agents/assistant/${uniqueName("a")}`);
  await client.handshake();
  return client;
}

describe("example: assistant over WebSocket (streaming RPC)", () => {
  it("streams the answer, stores it, and sends the history as context next time", async () => {
    const client = await assistant();
    const first = await streamCall(client, "ask", ["hello"]);
    expect(first.chunks[0]).toMatchObject({ type: "start" });
    expect(first.chunks.length).toBeGreaterThan(2);
    expect(textOf(first.chunks)).toBe("You said: hello (2 messages)");
    expect(first.final.result).toMatchObject({ role: "assistant", status: "complete", content: "You said: hello (2 messages)" });

    const second = await streamCall(client, "ask", ["again"]);
    expect(second.final.result.content).toBe("You said: again (4 messages)");
    const history = (await client.call("history", [])).result;
    expect(history.map((m) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    client.close();
  });

  it("ends failed streams with an error frame, keeps the partial reply marked incomplete, and keeps serving", async () => {
    const client = await assistant();
    const cases = [
      ["fail midway please", "model provider error: upstream exploded", "partial"],
      ["cut the line", "model connection failed:", "partial"],
      ["send malformed data", "malformed model output", "partial"],
      ["flood the stream", "model connection failed: an event of the stream is larger than 8388608 bytes", "partial"],
      ["rate limit me", "model provider error (HTTP 429): Rate limit reached", ""],
      ["server error now", "model provider error (HTTP 500): The server had an error", ""],
      ["hang forever", "model connection failed: no data for 1.5s", ""],
    ];
    for (const [prompt, error, partial] of cases) {
      const { chunks, final } = await streamCall(client, "ask", [prompt]);
      expect(final.success, prompt).toBe(false);
      expect(final.error, prompt).toContain(error);
      expect(textOf(chunks), prompt).toBe(partial);
    }
    const history = (await client.call("history", [])).result.filter((m) => m.role === "assistant");
    expect(history.map((m) => m.status)).toEqual(Array(cases.length).fill("incomplete"));
    expect(history.map((m) => m.content)).toEqual(cases.map(([, , partial]) => partial));
    expect(history[0].error).toContain("upstream exploded");

    const after = await streamCall(client, "ask", ["still there?"]);
    expect(after.final.result.status).toBe("complete");
    client.close();
  });

  it("catches a reconnecting client up: what it missed, then the rest", async () => {
    const name = uniqueName("a");
    const first = await connect(`/agents/assistant/${name}`);
    await first.handshake();
    let seen = "";
    let resume;
    const started = new Promise((r) => (resume = r));
    const asking = streamCall(first, "ask", ["be slow"], (chunk, chunks) => {
      if (chunk.type === "delta") seen = textOf(chunks);
      if (chunks.length === 4) resume(chunks[0].id);
    }).catch(() => {}); // the socket closes under it
    const id = await started;
    first.close(); // the client drops mid-answer...
    // What it had at that moment (frames already in flight may still reach the closed client's handler).
    const had = seen;
    const offset = had.length;
    const again = await connect(`/agents/assistant/${name}`); // ...and comes back
    await again.handshake();
    const caughtUp = await streamCall(again, "resume", [id, offset]);
    expect(caughtUp.final.result.status).toBe("complete");
    const full = caughtUp.final.result.content;
    expect(full).toBe(Array.from({ length: 20 }, (_, i) => `word${i} `).join(""));
    expect(had + textOf(caughtUp.chunks)).toBe(full);
    await asking;

    // Finished replies stay readable, from any offset, over HTTP too.
    const replay = await fetchWorker(`/agents/assistant/${name}/messages/${id}?offset=5`);
    const events = parseEvents(await replay.text());
    expect(events.map((e) => e.event)).toEqual(["delta", "done"]);
    expect(JSON.parse(events[0].data).text).toBe(full.slice(5));
    expect((await streamCall(again, "resume", ["no-such-id", 0])).final.error).toBe("No message no-such-id");
    again.close();
  });
});

describe("example: assistant over HTTP (SSE)", () => {
  it("streams start, deltas and done, and keeps the answer in the history", async () => {
    const name = uniqueName("a");
    const response = await fetchWorker(`/agents/assistant/${name}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hi there" }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = parseEvents(await response.text()).filter((e) => e.event);
    expect(events[0].event).toBe("start");
    expect(events.at(-1).event).toBe("done");
    const text = events.filter((e) => e.event === "delta").map((e) => JSON.parse(e.data).text).join("");
    expect(text).toBe("You said: hi there (2 messages)");
    const history = await (await fetchWorker(`/agents/assistant/${name}/history`)).json();
    expect(history.map((m) => m.content)).toEqual(["hi there", text]);
  });

  it("sends an error event for a failed stream and refuses bad bodies", async () => {
    const name = uniqueName("a");
    const post = (body) =>
      fetchWorker(`/agents/assistant/${name}/chat`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const events = parseEvents(await (await post(JSON.stringify({ prompt: "fail midway" }))).text()).filter((e) => e.event);
    expect(events.at(-1)).toMatchObject({ event: "error" });
    expect(JSON.parse(events.at(-1).data).error).toContain("upstream exploded");
    expect((await post("{nope")).status).toBe(400);
    const empty = parseEvents(await (await post(JSON.stringify({ prompt: " " }))).text());
    expect(JSON.parse(empty.at(-1).data).error).toBe("A prompt must be 1 to 32768 bytes");
  });
});

describe("example: assistant, its inputs bounded", () => {
  it("bounds the prompt of complete, as ask does", async () => {
    const client = await assistant();
    expect((await client.call("complete", ["p".repeat(32 * 1024 + 1)])).error).toBe("A prompt must be 1 to 32768 bytes");
    expect((await client.call("complete", [" "])).error).toBe("A prompt must be 1 to 32768 bytes");
    client.close();
  });

  it("bounds conversation names and message ids", async () => {
    const client = await assistant();
    const long = "c".repeat(65);
    expect((await streamCall(client, "ask", ["hello", long])).final.error).toContain("at most 64 bytes");
    expect((await client.call("history", [long])).error).toContain("at most 64 bytes");
    expect((await client.call("history", [""])).error).toContain("at least 1 byte");
    expect((await streamCall(client, "resume", ["i".repeat(65), 0])).final.error).toContain("at most 64 bytes");
    client.close();
  });

  it("refuses frames over 256 KiB", async () => {
    const client = await assistant();
    expect((await streamCall(client, "ask", ["p".repeat(300_000)])).final.error).toContain("limit 262144");
    client.close();
  });

  it("bounds the HTTP routes: body size, conversation and message id", async () => {
    const name = uniqueName("a");
    const chat = (body) =>
      fetchWorker(`/agents/assistant/${name}/chat`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const big = await chat(JSON.stringify({ prompt: "p".repeat(300_000) }));
    expect(big.status).toBe(413);
    expect(await big.text()).toContain("at most 262144 bytes");
    const longConversation = await chat(JSON.stringify({ prompt: "hi", conversation: "c".repeat(65) }));
    expect(longConversation.status).toBe(400);
    expect(await longConversation.text()).toContain("at most 64 bytes");
    const history = await fetchWorker(`/agents/assistant/${name}/history?conversation=${"c".repeat(65)}`);
    expect(history.status).toBe(400);
    const message = await fetchWorker(`/agents/assistant/${name}/messages/${"i".repeat(65)}`);
    expect(message.status).toBe(400);
    expect(await message.text()).toContain("at most 64 bytes");
  });
});
