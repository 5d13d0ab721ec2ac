// Frames of the official useAgentChat hook, for the chat tests: a chat
// client on an agent's socket, requests, and the response frames of one.
import { connect } from "./frames.js";

export const RESPONSE = "cf_agent_use_chat_response";

/** A user message with one text part. */
export const user = (id, text) => ({ id, role: "user", parts: [{ type: "text", text }] });

/** A client on `/agents/{agent}/{name}`, past its handshake. */
export async function openChat(agent, name) {
  const client = await connect(`/agents/${agent}/${name}`);
  await client.handshake();
  return client;
}

/** Sends a chat request as the hook does (`extra` joins the body). */
export function request(client, id, messages, extra = {}) {
  const body = JSON.stringify({ messages, trigger: "submit-message", ...extra });
  client.send({ id, init: { method: "POST", body }, type: "cf_agent_use_chat_request" });
}

/** Every response frame of request `id` up to its terminal frame. */
export async function collect(client, id, timeoutMs = 10_000) {
  const frames = [];
  for (;;) {
    const frame = await client.next((f) => f.type === RESPONSE && f.id === id, timeoutMs);
    frames.push(frame);
    if (frame.done) return frames;
  }
}

/** The UI message chunks of response frames. */
export const chunks = (frames) => frames.filter((f) => !f.done && f.body).map((f) => JSON.parse(f.body));

/** The streamed text of response frames. */
export const textOf = (frames) =>
  chunks(frames)
    .filter((c) => c.type === "text-delta")
    .map((c) => c.delta)
    .join("");
