// The OAuth provider around the fixture, driven over HTTP as an MCP client
// would: discovery, registration, authorization with PKCE, the token
// endpoint (code, refresh, revocation), and the protected route with the
// token's props — and the refusals, each with the spec's status and code.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accessToken, authorize, BASE, CHALLENGE, consentPage, login, REDIRECT, register, submitConsent, token, VERIFIER } from "./oauth.js";

const whoami = (accessToken) =>
  SELF.fetch(`${BASE}/secure/whoami`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });

describe("OAuth provider", () => {
  it("publishes authorization server and protected resource metadata", async () => {
    const as = await (await SELF.fetch(`${BASE}/.well-known/oauth-authorization-server`)).json();
    expect(as).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/authorize`,
      token_endpoint: `${BASE}/token`,
      registration_endpoint: `${BASE}/register`,
      revocation_endpoint: `${BASE}/token`,
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: ["read", "admin"],
    });
    const prm = await (await SELF.fetch(`${BASE}/.well-known/oauth-protected-resource/secure/whoami`)).json();
    expect(prm).toEqual({
      resource: `${BASE}/secure/whoami`,
      authorization_servers: [BASE],
      bearer_methods_supported: ["header"],
      scopes_supported: ["read", "admin"],
      resource_name: "fixture",
    });
    const preflight = await SELF.fetch(`${BASE}/token`, { method: "OPTIONS", headers: { origin: "https://app.example" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
  });

  it("runs the whole flow: register, authorize with PKCE, exchange, call, refresh, revoke", async () => {
    const { status, body: client, headers } = await register();
    expect(status).toBe(201);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(client.client_id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(client.client_secret).toBeUndefined(); // public: no secret, and no null fields either
    expect(Object.values(client)).not.toContain(null);

    const unauthorized = await whoami();
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("www-authenticate")).toBe(
      `Bearer realm="OAuth", resource_metadata="${BASE}/.well-known/oauth-protected-resource/secure/whoami", scope="read admin"`,
    );

    const code = await login(client.client_id, { user: "admin", scope: "read admin" });
    const tokens = await token({ grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: client.client_id, redirect_uri: REDIRECT, resource: `${BASE}/secure` });
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get("cache-control")).toBe("no-store");
    expect(tokens.body).toMatchObject({ token_type: "bearer", expires_in: 3600, scope: "read admin", resource: `${BASE}/secure` });

    const me = await whoami(tokens.body.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user_id: "admin", client_id: client.client_id, scope: ["read", "admin"], props: { user: "admin", permissions: ["admin"] } });

    const refreshed = await token({ grant_type: "refresh_token", refresh_token: tokens.body.refresh_token, client_id: client.client_id, scope: "read" });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe("read");
    expect((await whoami(refreshed.body.access_token)).status).toBe(200);

    const revoked = await token({ token: refreshed.body.refresh_token, client_id: client.client_id });
    expect(revoked.status).toBe(200);
    expect((await whoami(refreshed.body.access_token)).status).toBe(401); // the grant ended with its refresh token
    const gone = await whoami(tokens.body.access_token);
    expect(gone.status).toBe(401);
    expect(gone.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    expect(await gone.json()).toEqual({ error: "invalid_token", error_description: "Invalid access token" });
  });

  it("answers 403 insufficient_scope to a token without the scope a route requires", async () => {
    const read = await accessToken("ada", { scope: "read" });
    expect((await whoami(read)).status).toBe(200);
    const admin = (token) => SELF.fetch(`${BASE}/secure/whoami/admin`, { headers: { authorization: `Bearer ${token}` } });
    const refused = await admin(read);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toBe(
      `Bearer realm="OAuth", resource_metadata="${BASE}/.well-known/oauth-protected-resource/secure/whoami/admin", error="insufficient_scope", scope="admin"`,
    );
    expect(await refused.json()).toEqual({ error: "insufficient_scope", error_description: "This resource needs the scope admin" });
    const both = await accessToken("ada", { scope: "read admin" });
    expect((await admin(both)).status).toBe(200);
  });

  it("authenticates confidential clients by their registered method only", async () => {
    const { body: client } = await register({ token_endpoint_auth_method: "client_secret_basic", redirect_uris: [REDIRECT] });
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.client_secret_expires_at - client.client_id_issued_at).toBe(90 * 86_400); // registrations expire
    const basic = (secret) => ({ authorization: `Basic ${btoa(`${client.client_id}:${secret}`)}` });
    const code = await login(client.client_id);
    const exchange = { grant_type: "authorization_code", code, code_verifier: VERIFIER, redirect_uri: REDIRECT };
    const wrong = await token(exchange, basic("wrong"));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="OAuth"');
    const post = await token({ ...exchange, client_id: client.client_id, client_secret: client.client_secret });
    expect(post.status).toBe(401); // registered for Basic, not the form
    const ok = await token(exchange, basic(client.client_secret)); // the failures above did not use the code
    expect(ok.status).toBe(200);
  });

  it("refuses bad registrations, authorization requests and token requests with the spec's codes", async () => {
    expect((await register({ redirect_uris: [] })).body.error).toBe("invalid_client_metadata");
    expect((await register({ redirect_uris: ["javascript:alert(1)"] })).body.error).toBe("invalid_client_metadata");
    expect((await register({ token_endpoint_auth_method: "private_key_jwt" })).body.error).toBe("invalid_client_metadata");
    const badJson = await SELF.fetch(`${BASE}/register`, { method: "POST", body: "{" });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error).toBe("invalid_request");

    const { body: client } = await register();
    const base = { response_type: "code", client_id: client.client_id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: "S256", state: "s" };
    const unknown = await authorize({ ...base, client_id: "nobody-at-all-00" });
    expect(unknown.status).toBe(400); // shown, never redirected
    expect(unknown.text).toMatch(/Unknown client/);
    const evil = await authorize({ ...base, redirect_uri: "https://evil.example/cb" });
    expect(evil.status).toBe(400);
    for (const [params, error] of [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge_method: "S512" }, "invalid_request"],
      [{ code_challenge: undefined, code_challenge_method: undefined }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
    ]) {
      const merged = Object.fromEntries(Object.entries({ ...base, ...params }).filter(([, v]) => v !== undefined));
      const { status, location } = await authorize(merged);
      expect(status).toBe(302);
      const url = new URL(location);
      expect(url.searchParams.get("error")).toBe(error);
      expect(url.searchParams.get("state")).toBe("s");
    }
    const denied = new URL((await submitConsent(await consentPage(base), { action: "deny" })).location);
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe("s");

    const code = await login(client.client_id);
    const exchange = { grant_type: "authorization_code", code, client_id: client.client_id, redirect_uri: REDIRECT };
    expect((await token({ ...exchange, code_verifier: "x".repeat(43) })).body.error).toBe("invalid_grant");
    expect((await token({ ...exchange, code_verifier: VERIFIER }, { "content-type": "application/json" })).status).toBe(400);
    expect((await token({ ...exchange, code_verifier: VERIFIER, grant_type: "password" })).body.error).toBe("unsupported_grant_type");
    expect((await token({ ...exchange, code_verifier: VERIFIER, client_id: "nobody-at-all-00" })).status).toBe(401);
    const ok = await token({ ...exchange, code_verifier: VERIFIER });
    expect(ok.status).toBe(200);
    const replay = await token({ ...exchange, code_verifier: VERIFIER });
    expect(replay.body).toEqual({ error: "invalid_grant", error_description: "Authorization code already used" });
    expect((await whoami(ok.body.access_token)).status).toBe(401); // the replay ended the grant
    expect((await whoami("forged:token")).status).toBe(401);
    expect((await SELF.fetch(`${BASE}/token`)).status).toBe(405);
  });

  it("shows a consent page that cannot be framed or submitted from elsewhere", async () => {
    const { body: client } = await register({ client_name: '<script>alert("x")</script>' });
    const params = { response_type: "code", client_id: client.client_id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: "S256", state: "s" };
    const consent = await consentPage(params);
    expect(consent.page.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    expect(consent.page.headers.get("x-frame-options")).toBe("DENY");
    expect(consent.page.headers.get("set-cookie")).toMatch(/^__Host-csrf=[^;]+; Path=\/; Secure; HttpOnly; SameSite=Lax/);
    expect(consent.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"); // the client's name, escaped
    expect(consent.html).not.toContain("<script>");
    expect(consent.html).toContain("<strong>localhost</strong>"); // where the person goes back to
    expect((await submitConsent({ ...consent, cookie: undefined })).status).toBe(403); // no CSRF cookie
    expect((await submitConsent({ ...consent, csrf: "forged" })).status).toBe(403);
    const tampered = consent.request.replace("localhost%3A33418", "evil.example");
    expect((await submitConsent({ ...consent, request: tampered })).status).toBe(400); // checked again on POST
    expect((await submitConsent(consent, { user: "a:b" })).status).toBe(400);
    expect((await submitConsent(consent)).status).toBe(302);
  });
});
