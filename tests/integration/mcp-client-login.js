// The person's part of an MCP client agent's OAuth login, for the
// integration tests: open the authorization URL the agent made, approve on
// the fixture's consent form, follow the redirect to the agent's callback.
import { expect } from "vitest";
import { approve } from "./oauth-login.js";

/**
 * Adds `url` as server "secure" of the McpClientProbe `c` (instance `name`,
 * served at `base`) and logs in as `user`; the callback URL and its page.
 */
export async function loginAgent(base, c, name, url, user) {
  const added = await c.call("addServerWithCallback", ["secure", url, base]);
  expect(added).toMatchObject({ id: "secure", state: "authenticating", error: null });
  const authUrl = new URL(added.authUrl);
  expect(authUrl.pathname).toBe("/authorize");
  expect(authUrl.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authUrl.searchParams.get("redirect_uri")).toBe(`${base}/agents/mcp-client-probe/${name}/callback`);
  expect(authUrl.searchParams.get("resource")).toBeTruthy();
  const callback = await approve(authUrl, user);
  expect(callback.origin + callback.pathname).toBe(`${base}/agents/mcp-client-probe/${name}/callback`);
  const done = await fetch(callback);
  return { callback, page: { status: done.status, text: await done.text(), csp: done.headers.get("content-security-policy") } };
}
