// The official AgentClient against the assistant example (examples/assistant): streamed answers as
// streaming RPC, catch-up after a reconnect, errors; the model is the
// OpenAI-compatible stand-in that wrangler-dev.js starts.
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";

const client = clientsFor(new URL(inject("baseUrl")).host);

function ask(c, method, args, onChunk = () => {}) {
  const chunks = [];
  const done = c.call(method, args, {
    onChunk: (chunk) => {
      chunks.push(chunk);
      onChunk(chunk, chunks);
    },
  });
  return { chunks, done };
}

const textOf = (chunks) => chunks.filter((c) => c.type === "delta").map((c) => c.text).join("");

describe("example: assistant with the official AgentClient", () => {
  it("streams an answer as chunks and resolves with the stored reply", async () => {
    const c = client({ agent: "Assistant", name: unique("assistant") });
    await c.ready;
    const { chunks, done } = ask(c, "ask", ["hello from node"]);
    const reply = await done;
    expect(reply).toMatchObject({ role: "assistant", status: "complete", content: "You said: hello from node (2 messages)" });
    expect(chunks[0]).toMatchObject({ type: "start", id: reply.id });
    expect(textOf(chunks)).toBe(reply.content);
    const history = await c.call("history", []);
    expect(history.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("catches up a client that reconnects mid-answer", async () => {
    const name = unique("assistant");
    const first = client({ agent: "Assistant", name });
    await first.ready;
    let seen = "";
    const started = new Promise((resolve) => {
      const { done } = ask(first, "ask", ["be slow"], (chunk, chunks) => {
        seen = textOf(chunks);
        if (chunks.length === 5) resolve(chunks[0].id);
      });
      done.catch(() => {});
    });
    const id = await started;
    first.close();
    const offset = seen.length;
    const second = client({ agent: "Assistant", name });
    await second.ready;
    const { chunks, done } = ask(second, "resume", [id, offset]);
    const reply = await done;
    expect(reply.status).toBe("complete");
    expect(seen + textOf(chunks)).toBe(reply.content);
    expect(reply.content).toContain("word19");
  });

  it("rejects the call when the provider fails mid-stream, keeping the partial reply", async () => {
    const c = client({ agent: "Assistant", name: unique("assistant") });
    await c.ready;
    const { chunks, done } = ask(c, "ask", ["fail midway"]);
    await expect(done).rejects.toThrow(/upstream exploded/);
    expect(textOf(chunks)).toBe("partial");
    const [, reply] = await c.call("history", []);
    expect(reply).toMatchObject({ status: "incomplete", content: "partial" });
  });
});
