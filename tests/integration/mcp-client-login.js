// The person's part of an MCP client agent's OAuth login, for the
// integration tests: open the authorization URL the agent made, approve on
// the fixture's consent form, follow the redirect to the agent's callback.
import { expect } from "vitest";

/** Approves the consent form at `authUrl` as `user`; the redirect it answers. */
export async function approve(authUrl, user) {
  const page = await fetch(authUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const hidden = (field) => html.match(new RegExp(`name="${field}" value="([^"]*)"`))[1].replace(/&amp;/g, "&");
  const approved = await fetch(new URL("/authorize", authUrl), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: page.headers.get("set-cookie").split(";")[0] },
    body: new URLSearchParams({ request: hidden("request"), csrf: hidden("csrf"), user, action: "approve" }),
  });
  expect(approved.status).toBe(302);
  return new URL(approved.headers.get("location"));
}

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
