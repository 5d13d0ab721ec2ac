// The counter example (examples/counter): its agent's and its MCP server's
// inputs are bounded, and what is out of bounds is refused with the limit named.
import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";
import { call, initialize } from "./mcp.js";

const SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1

async function counter() {
  const client = await connect(`/agents/counter/${uniqueName("c")}`);
  await client.handshake();
  return client;
}

describe("example: counter, its inputs bounded", () => {
  it("counts down from at most 1000", async () => {
    const client = await counter();
    const over = await client.call("countdown", [1001]);
    expect(over).toMatchObject({ success: false });
    expect(over.error).toContain("at most 1000");
    // Four billion fits a u32, and is refused before anything is streamed.
    expect((await client.call("countdown", [4_000_000_000])).error).toContain("at most 1000");
    expect(await client.call("countdown", [2])).toMatchObject({ success: true, result: "liftoff" });
    client.close();
  });

  it("increments by at most a million at a time, and keeps the count a safe JS integer", async () => {
    const client = await counter();
    const over = await client.call("increment", [1_000_001]);
    expect(over.error).toContain("at most 1000000");
    expect((await client.call("increment", [-1_000_001])).error).toContain("at most 1000000");
    expect((await client.call("increment", [1_000_000])).result).toBe(1_000_000);
    expect((await client.call("get", [])).result).toBe(1_000_000);
    // A client may push a state, but not a count past 2^53 - 1.
    client.send({ type: "cf_agent_state", state: { count: 2 ** 60 } });
    expect((await client.ofType("cf_agent_state_error")).error).toBe("State update rejected");
    expect((await client.call("get", [])).result).toBe(1_000_000);
    client.close();
  });

  it("adds safe JS integers only", async () => {
    const client = await counter();
    expect((await client.call("add", [2 ** 53, 1])).error).toContain(String(SAFE));
    expect((await client.call("add", [SAFE, 1])).error).toContain(String(SAFE));
    expect((await client.call("add", [SAFE - 1, 1])).result).toBe(SAFE);
    client.close();
  });

  it("refuses frames over 64 KiB", async () => {
    const client = await counter();
    const reply = await client.call("add", [1, 2, "x".repeat(70_000)]);
    expect(reply.error).toContain("limit 65536");
    client.close();
  });
});

describe("example: counter MCP server (/mcp), its inputs bounded", () => {
  const text = (reply) => reply.result.content[0].text;

  it("adds at most a million at a time", async () => {
    const { session } = await initialize("/mcp");
    const over = await call("/mcp", session, "tools/call", { name: "add", arguments: { a: 1_000_001 } });
    expect(over.result.isError).toBe(true);
    expect(text(over)).toContain("1000000");
    const under = await call("/mcp", session, "tools/call", { name: "add", arguments: { a: -1_000_001 } });
    expect(under.result.isError).toBe(true);
    expect(text(await call("/mcp", session, "tools/call", { name: "add", arguments: { a: 1_000_000 } }))).toBe(
      "Added 1000000, total is now 1000001",
    );
  });

  it("takes a prompt style of at most 100 characters", async () => {
    const { session } = await initialize("/mcp");
    const long = await call("/mcp", session, "prompts/get", { name: "explain", arguments: { style: "x".repeat(101) } });
    expect(long.error.message).toContain("at most 100");
    const ok = await call("/mcp", session, "prompts/get", { name: "explain", arguments: { style: "short" } });
    expect(ok.result.messages[0].content.text).toContain("short style");
  });
});
