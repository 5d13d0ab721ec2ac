// Model providers through the AiProbe fixture: the Workers AI binding (a
// stand-in service) and tool calls from an OpenAI-compatible stand-in.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

describe("Workers AI through the AI binding (a stand-in service with the binding's run method)", () => {
  const probe = async () => {
    const client = await connect(`/agents/ai-probe/${uniqueName("w")}`);
    await client.handshake();
    return client;
  };
  const model = "@cf/meta/llama-3.1-8b-instruct";

  it("runs a model with and without streaming, passing AI Gateway options through", async () => {
    const client = await probe();
    const plain = await client.call("workersAi", ["hi", { stream: false }]);
    expect(plain.result).toBe(`${model} heard: hi`);
    const streamed = await client.call("workersAi", ["hello stream", { stream: true }]);
    expect(streamed.result).toBe(`${model} heard: hello stream`);
    const gateway = await client.call("workersAi", ["via gateway", { stream: true, gateway: "my-gw" }]);
    const [heard, options] = gateway.result.split(" via {");
    expect(heard).toBe(`${model} heard: via gateway`);
    expect(JSON.parse(`{${options}`)).toEqual({ id: "my-gw", skipCache: true, cacheTtl: 120 });
    client.close();
  });

  it("reports binding errors, broken streams and a missing binding clearly", async () => {
    const client = await probe();
    const unknown = await client.call("workersAi", ["unknown model", { stream: false }]);
    expect(unknown.error).toContain("No such model");
    const broken = await client.call("workersAi", ["break it", { stream: true }]);
    expect(broken.error).toMatch(/^malformed model output: .* \(stored "incomplete": "@cf\/meta\/llama-3\.1-8b-instruct heard: break it"\)$/);
    const missing = await client.call("workersAi", ["hi", { binding: "NO_SUCH_AI", stream: false }]);
    expect(missing.error).toBe(
      'AI configuration error: no AI binding named "NO_SUCH_AI" (add [ai] binding = "NO_SUCH_AI" to wrangler.toml)',
    );
    client.close();
  });
});

describe("tool calls from an OpenAI-compatible provider", () => {
  it("offers tools and reads the calls back, streamed (fragments assembled) and not", async () => {
    const client = await connect(`/agents/ai-probe/${uniqueName("t")}`);
    await client.handshake();
    const { result } = await client.call("toolCalls", ["use a tool"]);
    expect(result).toEqual([
      [{ id: "call_1", name: "lookup", arguments: '{"q":"rust"}' }],
      [{ id: "call_2", name: "lookup", arguments: '{"q":"rust"}' }],
    ]);
    const sent = await (await fetch(env.OPENAI_BASE_URL.replace(/\/v1$/, "/requests"))).json();
    const last = sent.at(-1).body;
    expect(last.tools[0]).toEqual({
      type: "function",
      function: { name: "lookup", description: "Look a term up", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } },
    });
    expect(last.temperature).toBe(0);
    client.close();
  });
});
