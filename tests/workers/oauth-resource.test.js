// A provider that pins its resource (the fixture's host `fixture-pinned`):
// every grant's audience is the pinned URI whatever the request names, the
// resource metadata says so for every route, and it lists a second
// authorization server after its own origin.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CHALLENGE, REDIRECT, VERIFIER, authorize, consentPage, register, submitConsent, token } from "./oauth.js";

const PINNED = "https://fixture-pinned";
const RESOURCE = `${PINNED}/secure/mcp`;

const request = (extra = {}) => ({
  response_type: "code",
  redirect_uri: REDIRECT,
  code_challenge: CHALLENGE,
  code_challenge_method: "S256",
  state: "st-pin",
  scope: "read",
  ...extra,
});

async function json(url, init) {
  const res = await SELF.fetch(url, init);
  return { status: res.status, body: await res.json() };
}

/** Approves `clientId` on `base`'s consent page; the code's token request fields. */
async function codeFields(clientId, extra = {}, base = PINNED) {
  const page = await consentPage(request({ client_id: clientId, ...extra }), base);
  const { status, location } = await submitConsent(page, { base });
  expect(status).toBe(302);
  const code = new URL(location).searchParams.get("code");
  return { grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: clientId, redirect_uri: REDIRECT };
}

/** Logs in through `base`'s consent page (the pinned host's by default); the tokens. */
async function tokensFor(clientId, extra = {}, base = PINNED) {
  const tokens = await token(await codeFields(clientId, extra, base), {}, base);
  expect(tokens.status).toBe(200);
  return tokens.body;
}

const initialize = (accessToken, path = "/secure/mcp") =>
  SELF.fetch(`${PINNED}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${accessToken}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });

describe("a pinned resource", () => {
  it("is the resource of the root metadata and of the routes it covers; other routes have none", async () => {
    for (const path of ["", "/secure/mcp", "/secure/mcp/messages"]) {
      const { status, body } = await json(`${PINNED}/.well-known/oauth-protected-resource${path}`);
      expect(status).toBe(200);
      expect(body.resource).toBe(RESOURCE);
      // The extra issuer is listed as given, after the provider's origin.
      expect(body.authorization_servers).toEqual([PINNED, "https://idp.example/"]);
    }
    const other = await SELF.fetch(`${PINNED}/.well-known/oauth-protected-resource/secure/whoami`);
    expect(other.status).toBe(404);
    await other.text();
    // Without the pin, each route is its own resource and the origin the only server.
    const { body } = await json("https://fixture/.well-known/oauth-protected-resource/secure/whoami");
    expect(body.resource).toBe("https://fixture/secure/whoami");
    expect(body.authorization_servers).toEqual(["https://fixture"]);
  });

  it("refuses an authorization request for another resource with invalid_target", async () => {
    const { body: client } = await register();
    for (const other of [`${PINNED}/secure`, "https://fixture/secure/mcp"]) {
      const { status, location } = await authorize(request({ client_id: client.client_id, resource: other }), PINNED);
      expect(status).toBe(302);
      const url = new URL(location);
      expect(url.searchParams.get("error")).toBe("invalid_target");
      expect(url.searchParams.get("state")).toBe("st-pin");
    }
  });

  it("gives a request naming no resource (or the pinned one) tokens good only under the pinned resource", async () => {
    const { body: client } = await register();
    for (const extra of [{}, { resource: RESOURCE }]) {
      const tokens = await tokensFor(client.client_id, extra);
      const ok = await initialize(tokens.access_token);
      expect(ok.status).toBe(200);
      await ok.text();
      // Outside the pinned resource the token's audience does not match.
      const outside = await SELF.fetch(`${PINNED}/secure/whoami`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(outside.status).toBe(401);
      expect(outside.headers.get("www-authenticate")).toContain('error="invalid_token"');
      await outside.text();
    }
  });

  it("refuses a token of this provider that has no audience", async () => {
    // fixture-multi protects two prefixes: a grant naming no resource has no audience.
    const MULTI = "https://fixture-multi";
    const { body: client } = await register();
    const tokens = await tokensFor(client.client_id, {}, MULTI);
    const refused = await initialize(tokens.access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    await refused.text();
  });

  it("refuses a refresh for another resource with invalid_target, and keeps the refresh token good", async () => {
    const { body: client } = await register();
    const tokens = await tokensFor(client.client_id);
    const fields = { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: client.client_id };
    const refused = await token({ ...fields, resource: `${PINNED}/secure/whoami` }, {}, PINNED);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("invalid_target");
    const refreshed = await token(fields, {}, PINNED);
    expect(refreshed.status).toBe(200);
  });

  it("refuses a token request for another resource with invalid_target", async () => {
    const { body: client } = await register();
    const fields = await codeFields(client.client_id);
    const refused = await token({ ...fields, resource: `${PINNED}/secure/whoami` }, {}, PINNED);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("invalid_target");
    // The refusal did not spend the code.
    const issued = await token(fields, {}, PINNED);
    expect(issued.status).toBe(200);
  });
});
