// An agent as the OAuth client of an MCP server: the McpClientProbe fixture
// (driven through the official AgentClient) adds the fixture's own
// OAuth-protected `/secure/mcp`, both served by `wrangler dev`. The agent
// discovers, registers and builds the authorization URL; this file plays the
// person: it opens the URL, approves on the consent form, and follows the
// redirect to the agent's callback, as the popup would.
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";
import { loginAgent } from "./mcp-client-login.js";
import { approve, loginTokens } from "./oauth-login.js";

const base = inject("baseUrl");
const client = clientsFor(new URL(base).host);

async function probe(name = unique("oauth-client")) {
  const c = client({ agent: "McpClientProbe", name });
  await c.ready;
  await c.call("allowLoopback", [true]);
  return { c, name };
}

const tools = async (c) => (await c.call("listTools", ["secure"])).map((t) => t.name);

describe("an agent logging in to an OAuth-protected MCP server", () => {
  it("shows the login URL, finishes the login at its callback, then uses the server with its token", async () => {
    const { c, name } = await probe();
    const { callback, page } = await loginAgent(base, c, name, `${base}/secure/mcp`, "ada");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Connected to secure");
    expect(page.text).toContain("window.close()");
    expect(page.csp).toContain("default-src 'none'");
    const [server] = await c.call("servers", []);
    expect(server).toMatchObject({ id: "secure", state: "ready", error: null });
    expect(server.authUrl).toBeUndefined();
    expect((await tools(c)).length).toBeGreaterThan(0);
    // The callback is single-use: the same code and state again are refused.
    const again = await fetch(callback);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("unknown, was used already or has expired");
    expect((await c.call("servers", []))[0].state).toBe("ready");
  });

  it("refuses a callback whose state it did not make, and one for another instance's login", async () => {
    const { c, name } = await probe();
    const added = await c.call("addServerWithCallback", ["secure", `${base}/secure/mcp`, base]);
    const callback = await approve(new URL(added.authUrl), "eve");
    // Forged state for the same server.
    const forged = new URL(callback);
    forged.searchParams.set("state", `forged.secure`);
    expect((await fetch(forged)).status).toBe(400);
    // The real callback, sent to another instance of the agent.
    const other = await probe();
    const elsewhere = new URL(callback);
    elsewhere.pathname = `/agents/mcp-client-probe/${other.name}/callback`;
    const wrong = await fetch(elsewhere);
    expect(wrong.status).not.toBe(200);
    // Neither used the login up: the real one still finishes it.
    expect((await fetch(callback)).status).toBe(200);
    expect((await c.call("servers", []))[0].state).toBe("ready");
    expect(name).not.toBe(other.name);
  });

  it("refreshes an access token that expired, without a new login", async () => {
    // The fixture gives tokens for the host `localhost` a 2-second lifetime.
    const local = base.replace("127.0.0.1", "localhost");
    expect((await loginTokens(local, "grace")).expires_in).toBe(2);
    const { c, name } = await probe();
    const url = `${local}/secure/mcp`;
    const { page } = await loginAgent(base, c, name, url, "grace");
    expect(page.status).toBe(200);
    expect((await tools(c)).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500));
    const result = await c.call("callTool", ["secure", "whoami", {}]);
    expect(JSON.stringify(result)).toContain("grace");
    expect((await c.call("servers", []))[0].state).toBe("ready");
  });

  it("goes back to authenticating when its grant is revoked, with a new login URL", async () => {
    const { c, name } = await probe();
    const { page } = await loginAgent(base, c, name, `${base}/secure/mcp`, "linus");
    expect(page.status).toBe(200);
    const grants = await (await fetch(`${base}/oauth-admin/grants?user=linus`)).json();
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      const revoked = await fetch(`${base}/oauth-admin/revoke`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "linus", grant_id: grant.grant_id }),
      });
      expect((await revoked.json()).revoked).toBe(true);
    }
    await expect(c.call("listTools", ["secure"])).rejects.toThrow(/log ?in/i);
    const [server] = await c.call("servers", []);
    expect(server.state).toBe("authenticating");
    expect(new URL(server.authUrl).pathname).toBe("/authorize");
  });
});
