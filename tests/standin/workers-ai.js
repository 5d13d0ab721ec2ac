// A local stand-in for the Workers AI binding (unreachable here): a service
// whose `run(model, inputs, options)` answers like the binding does — an
// object for `stream: false`, a ReadableStream of `data: {"response":...}`
// SSE chunks ending in `[DONE]` for `stream: true`. It echoes the model and
// the AI Gateway options, so tests see what the framework passed.
import { WorkerEntrypoint } from "cloudflare:workers";

export class FakeAi extends WorkerEntrypoint {
  async run(model, inputs, options) {
    const last = inputs.messages.at(-1)?.content ?? "";
    if (last.includes("unknown model")) throw new Error("AiError: 5007: No such model " + model);
    const gateway = options?.gateway ? ` via ${JSON.stringify(options.gateway)}` : "";
    const reply = `${model} heard: ${last}${gateway}`;
    if (!inputs.stream) return { response: reply, usage: { prompt_tokens: 1, completion_tokens: 1 } };
    const encoder = new TextEncoder();
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
