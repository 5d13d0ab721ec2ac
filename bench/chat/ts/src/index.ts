// The TypeScript reference for the chat benchmarks: an `AIChatAgent`
// (`@cloudflare/ai-chat`, the TS Agents SDK's chat agent) whose every turn
// streams the configured OpenAI-compatible model — the benchmark's stand-in —
// as a UI message stream, as bench/chat/rust's BenchChat does. The provider's
// SSE is read by hand (no provider package is installed); the chunks go out
// through the AI SDK's `createUIMessageStream`, the SDK's own path.
import { AIChatAgent } from "@cloudflare/ai-chat";
import { callable, routeAgentRequest } from "agents";
import { createUIMessageStream, createUIMessageStreamResponse } from "ai";

type Env = { BenchChat: unknown; OPENAI_BASE_URL: string; OPENAI_API_KEY: string; AI_MODEL: string };

/** The conversation in the OpenAI chat format: each message's text parts. */
function openAiMessages(messages: { role: string; parts: { type: string; text?: string }[] }[]) {
  return messages.map((m) => ({
    role: m.role,
    content: m.parts
      .filter((p) => p.type === "text")
      .map((p) => p.text)
      .join(""),
  }));
}

export class BenchChat extends AIChatAgent<Env> {
  /** Stores `count` chunks of `body` as a reply's chunks are stored (the benchmark's storage cost per chunk). */
  @callable()
  storeChunks(count: number, body: string) {
    type Streams = { start(id: string): string; storeChunk(id: string, body: string): void; flushBuffer(): void; complete(id: string, outcome: string): void };
    const streams = (this as unknown as { _resumableStream: Streams })._resumableStream;
    const id = streams.start(`bench-${crypto.randomUUID()}`);
    for (let i = 0; i < count; i++) streams.storeChunk(id, body);
    streams.flushBuffer();
    streams.complete(id, "completed");
  }

  async onChatMessage() {
    const env = this.env;
    const messages = openAiMessages(this.messages as never);
    const stream = createUIMessageStream({
      execute: async ({ writer }) => {
        const response = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY}` },
          body: JSON.stringify({ model: env.AI_MODEL, messages, stream: true }),
        });
        if (!response.ok || !response.body) throw new Error(`the model answered ${response.status}`);
        writer.write({ type: "start", messageId: crypto.randomUUID() });
        writer.write({ type: "start-step" });
        writer.write({ type: "text-start", id: "t0" });
        const decoder = new TextDecoder();
        let buffer = "";
        let finish = "stop";
        for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(bytes, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.startsWith("data: ")) continue;
            const data = event.slice(6);
            if (data === "[DONE]") continue;
            const choice = JSON.parse(data).choices?.[0];
            if (choice?.delta?.content) writer.write({ type: "text-delta", id: "t0", delta: choice.delta.content });
            if (choice?.finish_reason) finish = choice.finish_reason;
          }
        }
        writer.write({ type: "text-end", id: "t0" });
        writer.write({ type: "finish-step" });
        writer.write({ type: "finish", finishReason: finish as "stop" });
      },
    });
    return createUIMessageStreamResponse({ stream });
  }
}

export default {
  async fetch(request: Request, env: Env) {
    return (await routeAgentRequest(request, env)) ?? new Response("Not found", { status: 404 });
  },
};
