// Message concurrency (Chat::message_concurrency): what a new message does
// while another turn runs. Agents: the fixture's ChatLatest and ChatDrop
// (tests/fixture/src/chat_concurrency.rs), answered by the OpenAI-compatible
// stand-in ("slow" makes its answer take about a second).
import { describe, expect, it } from "vitest";
import { RESPONSE, chunks, collect, openChat, request, textOf, user } from "./chat.js";
import { fetchWorker, uniqueName } from "./frames.js";

async function history(agent, name) {
  const response = await fetchWorker(`/agents/${agent}/${name}/get-messages`);
  expect(response.status).toBe(200);
  return response.json();
}

/** Starts request `id` and waits for its first text delta (its turn runs). */
async function started(client, id, messages) {
  request(client, id, messages);
  const frames = [];
  while (!frames.some((f) => f.body?.includes("text-delta"))) {
    frames.push(await client.next((f) => f.type === RESPONSE && f.id === id));
  }
  return frames;
}

describe("MessageConcurrency::Latest", () => {
  it("gives only the newest waiting message a turn; the others are stored and skipped", async () => {
    const name = uniqueName("latest");
    const client = await openChat("chat-latest", name);
    const u1 = user("u1", "slow please");
    const u2 = user("u2", "second");
    const u3 = user("u3", "third");
    const early = await started(client, "r1", [u1]);
    request(client, "r2", [u1, u2]);
    request(client, "r3", [u1, u2, u3]);

    const skipped = await collect(client, "r2");
    expect(skipped).toEqual([
      { type: RESPONSE, id: "r2", body: "", done: true, outcome: "skipped", messageIds: ["u1", "u2"] },
    ]);
    const first = [...early, ...(await collect(client, "r1"))];
    expect(first.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    const third = await collect(client, "r3");
    expect(third.at(-1)).toMatchObject({ done: true, outcome: "completed", messageIds: ["u1", "u2", "u3"] });
    // The newest turn answers with every message stored before it.
    expect(textOf(third)).toBe("You said: third (4 messages)");

    const stored = await history("chat-latest", name);
    expect(stored.map((m) => m.id)).toEqual(["u1", chunks(first)[0].messageId, "u2", "u3", chunks(third)[0].messageId]);
    expect(stored.filter((m) => m.role === "assistant")).toHaveLength(2);
    client.close();
  });

  it("runs a message that comes when nothing waits", async () => {
    const name = uniqueName("latest-alone");
    const client = await openChat("chat-latest", name);
    request(client, "r1", [user("u1", "hello")]);
    const frames = await collect(client, "r1");
    expect(frames.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    expect(textOf(frames)).toBe("You said: hello (1 messages)");
    client.close();
  });
});

describe("MessageConcurrency::Drop", () => {
  it("refuses a message sent while a turn runs: nothing stored, the transcript back to its sender, skipped", async () => {
    const name = uniqueName("drop");
    const client = await openChat("chat-drop", name);
    const u1 = user("u1", "slow please");
    const early = await started(client, "r1", [u1]);
    request(client, "r2", [u1, user("u2", "too soon")]);
    const transcript = await client.ofType("cf_agent_chat_messages");
    expect(transcript.messages.map((m) => m.id)).toEqual(["u1"]);
    expect(await collect(client, "r2")).toEqual([
      { type: RESPONSE, id: "r2", body: "", done: true, outcome: "skipped", messageIds: ["u1", "u2"] },
    ]);

    const first = [...early, ...(await collect(client, "r1"))];
    expect(first.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    const stored = await history("chat-drop", name);
    expect(stored.map((m) => m.id)).toEqual(["u1", chunks(first)[0].messageId]);

    // Once the turn is over, the next message gets its turn.
    request(client, "r3", [...stored, user("u3", "now")]);
    const third = await collect(client, "r3");
    expect(third.at(-1)).toMatchObject({ done: true, outcome: "completed" });
    expect(textOf(third)).toBe("You said: now (3 messages)");
    expect((await history("chat-drop", name)).map((m) => m.id).slice(0, 3)).toEqual(["u1", stored[1].id, "u3"]);
    client.close();
  });
});
