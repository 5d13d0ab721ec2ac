// Bring your own provider: JWTs of another issuer (signed here with the test
// identity provider's keys, whose public JWK Set the fixture is configured
// with) are accepted on the protected routes beside the provider's own
// tokens, and reach the MCP tools as `ctx.auth()`; every way a JWT can be
// wrong gets the same 401 `invalid_token` challenge as a bad token of ours.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readMessages } from "./mcp.js";
import { accessToken, BASE } from "./oauth.js";
import { AUDIENCE, b64url, claims, jwt, keys, part, signWith } from "./jwt.js";

const ACCEPT = "application/json, text/event-stream";
let id = 1;

const whoami = (token) => SELF.fetch(`${BASE}/secure/whoami`, { headers: { authorization: `Bearer ${token}` } });

function rpc(token, body, session) {
  return SELF.fetch(`${BASE}/secure/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: ACCEPT,
      authorization: `Bearer ${token}`,
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function open(token) {
  const res = await rpc(token, {
    jsonrpc: "2.0", id: id++, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });
  expect(res.status).toBe(200);
  const session = res.headers.get("mcp-session-id");
  await rpc(token, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  return session;
}

async function callTool(token, session, name) {
  const res = await rpc(token, { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name, arguments: {} } }, session);
  expect(res.status).toBe(200);
  return (await readMessages(res)).at(-1).result;
}

async function expectRefused(token) {
  const res = await whoami(token);
  expect(res.status).toBe(401);
  const challenge = res.headers.get("www-authenticate");
  expect(challenge).toContain('error="invalid_token"');
  expect(challenge).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/secure/whoami"`);
  expect(await res.json()).toEqual({ error: "invalid_token", error_description: "Invalid access token" });
}

describe("OAuth: tokens of your own identity provider (JWT)", () => {
  it("accepts an RS256 and an ES256 token of the configured issuer", async () => {
    for (const kind of ["rsa", "ec"]) {
      const token = await jwt("auth0|ada", { scope: "read", azp: "spa-1", permissions: ["read:things"] }, { kind });
      const res = await whoami(token);
      expect(res.status).toBe(200);
      const auth = await res.json();
      expect(auth).toMatchObject({ user_id: "auth0|ada", client_id: "spa-1", scope: ["read"], grant_id: "" });
      // The example maps the claims to the props its login page makes, keeping the claims.
      expect(auth.props).toMatchObject({ user: "auth0|ada", permissions: ["read:things"] });
      expect(auth.props.claims).toMatchObject({ iss: "https://idp.test/", aud: AUDIENCE, sub: "auth0|ada" });
    }
  });

  it("tells the MCP tools who calls, and gates the admin tool on the token's permissions", async () => {
    const admin = await jwt("auth0|root", { permissions: ["admin"] });
    const session = await open(admin);
    expect((await callTool(admin, session, "whoami")).content[0].text).toBe("auth0|root");
    expect(await callTool(admin, session, "admin_action")).toMatchObject({ isError: false, content: [{ text: "Admin action done" }] });

    const ada = await jwt("auth0|ada", { permissions: ["read:things"] }, { kind: "ec" });
    const own = await open(ada);
    expect((await callTool(ada, own, "whoami")).content[0].text).toBe("auth0|ada");
    expect(await callTool(ada, own, "admin_action")).toMatchObject({
      isError: true,
      content: [{ text: "Permission denied: requires admin" }],
    });
    // Another user's JWT does not get into that session.
    const res = await rpc(admin, { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name: "whoami", arguments: {} } }, own);
    expect(res.status).toBe(404);
  });

  it("takes a token up to the 16 KiB limit, whose claims reach the session's instance", async () => {
    const big = await jwt("auth0|big", { permissions: ["admin"], pad: "x".repeat(11_000) });
    expect(big.length).toBeGreaterThan(15_000);
    expect(big.length).toBeLessThanOrEqual(16 * 1024);
    const session = await open(big);
    expect((await callTool(big, session, "whoami")).content[0].text).toBe("auth0|big");
    expect(await callTool(big, session, "admin_action")).toMatchObject({ isError: false });
  });

  it("keeps the provider's own tokens working beside JWTs", async () => {
    const ours = await accessToken("ada");
    const res = await whoami(ours);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user_id: "ada", props: { user: "ada", permissions: [] } });
  });

  it("refuses every wrong JWT with the invalid_token challenge", async () => {
    const { rsa, ec } = keys();
    const now = Math.floor(Date.now() / 1000);
    const good = await jwt("auth0|ada");
    const [header, payload, signature] = good.split(".");
    const other = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false,
      ["sign"],
    );
    const cases = {
      expired: await jwt("auth0|ada", { exp: now - 3600, iat: now - 7200, nbf: now - 7200 }),
      "no exp": await jwt("auth0|ada", { exp: undefined }),
      "not valid yet": await jwt("auth0|ada", { nbf: now + 3600 }),
      "wrong audience": await jwt("auth0|ada", { aud: "https://fixture/other" }),
      "wrong audiences": await jwt("auth0|ada", { aud: ["https://fixture/other", "https://x.test"] }),
      "wrong issuer": await jwt("auth0|ada", { iss: "https://evil.test/" }),
      "another key": await signWith(other.privateKey, "RS256", { alg: "RS256", kid: rsa.kid }, claims("auth0|ada")),
      "tampered payload": `${header}.${part({ ...claims("auth0|root"), permissions: ["admin"] })}.${signature}`,
      "alg none": `${part({ alg: "none" })}.${payload}.`,
      "alg none, signed": `${part({ alg: "none", kid: rsa.kid })}.${payload}.${signature}`,
      "HS256": `${part({ alg: "HS256", kid: rsa.kid })}.${payload}.${b64url(new Uint8Array(32))}`,
      "RS256 header on the EC key": await signWith(rsa, "RS256", { alg: "RS256", kid: ec.kid }, claims("auth0|ada")),
      "unknown kid": await signWith(rsa, "RS256", { alg: "RS256", kid: "rsa-9" }, claims("auth0|ada")),
      "no sub": await jwt(undefined),
      "not a JWT": "hello",
      "oversized": await jwt("auth0|ada", { pad: "x".repeat(16 * 1024) }),
    };
    for (const [name, token] of Object.entries(cases)) {
      try {
        await expectRefused(token);
      } catch (e) {
        throw new Error(`${name}: ${e.message}`);
      }
    }
    // The same token, untouched, passes: the refusals above are each for what was changed.
    expect((await whoami(good)).status).toBe(200);
  });
});

describe("OAuth: the external token hook", () => {
  const probe = (path, token) => SELF.fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it("gives the resolver tokens that are not of the provider's shape, with the URL and the clock", async () => {
    const res = await probe("/external-probe/x?y=1", "opaque.token-of-another-server");
    expect(res.status).toBe(200);
    const auth = await res.json();
    expect(auth).toMatchObject({ user_id: "external", props: { url: `${BASE}/external-probe/x?y=1`, token_bytes: 30 } });
    expect(Math.abs(auth.props.now_ms - Date.now())).toBeLessThan(60_000);
    const refused = await probe("/external-probe/x", "nobody");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("lets the resolver answer 403 insufficient_scope, naming each scope once, with CORS", async () => {
    const res = await SELF.fetch(`${BASE}/external-probe/x`, {
      headers: { authorization: "Bearer reader", origin: "https://app.example" },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const challenge = res.headers.get("www-authenticate");
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="write admin"');
    expect(challenge).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/external-probe/x"`);
    expect((await res.json()).error).toBe("insufficient_scope");
  });

  it("never hands it a token of the provider's shape, which the store alone decides", async () => {
    // Unknown to the store, so refused, although this resolver accepts anything it is given.
    const forged = `${"A".repeat(16)}:${"B".repeat(43)}`;
    const shape = await probe("/external-probe/x", forged);
    if (shape.status === 200) throw new Error("a token of our shape reached the resolver");
    expect(shape.status).toBe(401);
    expect(shape.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("answers a resolver's failure with 500 and a reference, not its text", async () => {
    const res = await probe("/external-probe/x", "fail");
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toBe("server_error");
    expect(body.error_description).toMatch(/^Internal error \(ref [0-9a-f]{8}\)$/);
  });

  it("external_jwt: the verifier's Auth, with every claim as the props", async () => {
    const token = await jwt("auth0|ada", { permissions: ["admin"], scp: ["read", "write"], client_id: "m2m" }, { kind: "ec" });
    const res = await probe("/jwt-probe/whoami", token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      user_id: "auth0|ada",
      client_id: "m2m",
      scope: ["read", "write"],
      props: { sub: "auth0|ada", iss: "https://idp.test/", permissions: ["admin"] },
    });
    const expired = await jwt("auth0|ada", { exp: Math.floor(Date.now() / 1000) - 120 });
    expect((await probe("/jwt-probe/whoami", expired)).status).toBe(401);
  });
});
