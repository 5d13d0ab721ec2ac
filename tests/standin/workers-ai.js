// A local stand-in for the Workers AI binding (unreachable here): a service
// whose `run(model, inputs, options)` answers like the binding does — an
// object for `stream: false`, a ReadableStream of `data: {"response":...}`
// SSE chunks ending in `[DONE]` for `stream: true`. It echoes the model and
// the AI Gateway options, so tests see what the framework passed. A last user
// message ending in `call:[{name, arguments}, ...]` (with tools offered) is
// answered with those calls, whole, in one chunk's `tool_calls` (the binding's
// own form, no ids); once tool results follow it, with "<model> got:
// <tool_call_id>=<content> | ..." (the ids the framework gave the calls).
import { WorkerEntrypoint } from "cloudflare:workers";

export class FakeAi extends WorkerEntrypoint {
  async run(model, inputs, options) {
    const last = inputs.messages.at(-1)?.content ?? "";
    const encoder = new TextEncoder();
    const lastUser = inputs.messages.findLastIndex((m) => m.role === "user");
    const script = /call:(\[.*\])\s*$/s.exec(inputs.messages[lastUser]?.content ?? "");
    if (script && inputs.tools?.length && inputs.stream) {
      const results = inputs.messages.slice(lastUser + 1).filter((m) => m.role === "tool");
      const called = inputs.messages.slice(lastUser + 1).flatMap((m) => m.tool_calls ?? []).map((c) => c.id);
      const chunk = results.length === 0
        ? { response: "", tool_calls: JSON.parse(script[1]).map((c) => ({ name: c.name, arguments: c.arguments ?? {} })) }
        : { response: `${model} got: ${results.map((m) => `${m.tool_call_id}=${m.content}`).join(" | ")} (calls ${called.join(",")})` };
      return new ReadableStream({
        start(controller) {
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        },
      });
    }
    if (last.includes("unknown model")) throw new Error("AiError: 5007: No such model " + model);
    const gateway = options?.gateway ? ` via ${JSON.stringify(options.gateway)}` : "";
    const reply = `${model} heard: ${last}${gateway}`;
    if (!inputs.stream) return { response: reply, usage: { prompt_tokens: 1, completion_tokens: 1 } };
    const pieces = reply.match(/.{1,7}/g) ?? [];
    return new ReadableStream({
      start(controller) {
        for (const piece of pieces) {
          controller.enqueue(encoder.encode(`data: ${JSON.stringify({ response: piece, p: "abcdef" })}\n\n`));
        }
        if (last.includes("break")) {
          controller.enqueue(encoder.encode(`data: {"response":`));
        } else {
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        }
        controller.close();
      },
    });
  }
}

export default {
  fetch() {
    return new Response("Workers AI stand-in");
  },
};
