// The official MCP SDK client's own OAuth flow (OAuthClientProvider) against
// the fixture's OAuth-protected MCP server under `wrangler dev`, headless:
// the client discovers the provider from the 401, registers, sends the user
// to the authorization URL (the secure MCP example's consent page, filled
// in and submitted with fetch), finishes with the code, connects, calls
// tools; then refreshes.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, inject, it } from "vitest";

const base = inject("baseUrl");
const REDIRECT = "http://localhost:33418/callback";
const open = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
});

/** An in-memory OAuthClientProvider, as a CLI client keeps one. */
class MemoryProvider {
  constructor() {
    this.saved = {};
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return {
      client_name: "integration",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return "integration-state";
  }
  clientInformation() {
    return this.saved.client;
  }
  saveClientInformation(client) {
    this.saved.client = client;
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  redirectToAuthorization(url) {
    this.saved.authorizationUrl = url;
  }
  saveCodeVerifier(verifier) {
    this.saved.verifier = verifier;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
}

/** Does what a person does on the consent page at the authorization URL: types `user`, approves; the code. */
async function approve(url, user) {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const hidden = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))[1].replace(/&amp;/g, "&");
  const res = await fetch(new URL("/authorize", base), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: page.headers.get("set-cookie").split(";")[0] },
    body: new URLSearchParams({ request: hidden("request"), csrf: hidden("csrf"), user, action: "approve" }),
  });
  expect(res.status).toBe(302);
  const callback = new URL(res.headers.get("location"));
  expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
  expect(callback.searchParams.get("state")).toBe("integration-state");
  expect(callback.searchParams.get("iss")).toBe(new URL(base).origin);
  return callback.searchParams.get("code");
}

async function loginAndConnect(path, Transport, user) {
  const provider = new MemoryProvider();
  const url = new URL(path, base);
  const first = new Transport(url, { authProvider: provider });
  await expect(new Client({ name: "integration", version: "1" }).connect(first)).rejects.toThrow(UnauthorizedError);
  expect(provider.saved.client.client_id).toMatch(/^[A-Za-z0-9_-]{16}$/); // registered dynamically
  const authorizationUrl = new URL(provider.saved.authorizationUrl);
  expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorizationUrl.searchParams.get("resource")).toBe(url.href);
  await first.finishAuth(await approve(authorizationUrl, user));
  expect(provider.saved.tokens.access_token).toBeTruthy();
  const client = new Client({ name: "integration", version: "1" });
  await client.connect(new Transport(url, { authProvider: provider }));
  open.push(client);
  return { client, provider };
}

const textOf = (result) => result.content.map((c) => c.text).join("");

for (const [label, Transport, path] of [
  ["Streamable HTTP", StreamableHTTPClientTransport, "/secure/mcp"],
  ["SSE", SSEClientTransport, "/secure/sse"],
]) {
  describe(`official MCP client OAuth over ${label}`, () => {
    it("logs in as admin and may use the admin tool", async () => {
      const { client } = await loginAndConnect(path, Transport, "admin");
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["whoami", "admin_action"]);
      expect(textOf(await client.callTool({ name: "whoami", arguments: {} }))).toBe("admin");
      expect(textOf(await client.callTool({ name: "admin_action", arguments: {} }))).toBe("Admin action done");
    });

    it("logs in as another user, who is refused the admin tool", async () => {
      const { client } = await loginAndConnect(path, Transport, "ada");
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["whoami"]);
      expect(textOf(await client.callTool({ name: "whoami", arguments: {} }))).toBe("ada");
      const refused = await client.callTool({ name: "admin_action", arguments: {} });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe("Permission denied: requires admin");
    });
  });
}

describe("official MCP client OAuth refresh", () => {
  it("refreshes an access token the server no longer takes, and goes on in the same session", async () => {
    const { client, provider } = await loginAndConnect("/secure/mcp", StreamableHTTPClientTransport, "ada");
    const before = provider.saved.tokens;
    provider.saved.tokens = { ...before, access_token: `${before.access_token.split(":")[0]}:${"x".repeat(43)}` };
    expect(textOf(await client.callTool({ name: "whoami", arguments: {} }))).toBe("ada");
    expect(provider.saved.tokens.access_token).not.toBe(before.access_token);
    expect(provider.saved.tokens.refresh_token).not.toBe(before.refresh_token); // rotated
  });
});
