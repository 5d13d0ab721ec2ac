// Client ID metadata documents (MCP 2025-11-25): a client whose client_id
// is a URL, fetched by the provider from the loopback stand-in
// (tests/standin/client-documents.mjs; the fixture allows loopback because
// vitest.config.js sets CIMD_ALLOW_LOOPBACK). The whole flow with such a
// client, each bad document refused on the provider's own page (never a
// redirect), the token endpoint's invalid_client, the cache, and the
// switch off (the host fixture-no-cimd).
import { SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { authorize, BASE, CHALLENGE, consentPage, form, login, REDIRECT, submitConsent, token, VERIFIER } from "./oauth.js";

const DOCS = inject("clientDocuments");
const fetches = async () => (await (await fetch(`${DOCS}/fetches`)).json()).fetches;
const fetchCount = async (path) => (await fetches())[path] ?? 0;

const request = (clientId, extra = {}) => ({
  response_type: "code",
  client_id: clientId,
  redirect_uri: REDIRECT,
  code_challenge: CHALLENGE,
  code_challenge_method: "S256",
  state: "st-1",
  scope: "read",
  ...extra,
});

describe("client ID metadata documents", () => {
  it("says so in the server metadata", async () => {
    const as = await (await SELF.fetch(`${BASE}/.well-known/oauth-authorization-server`)).json();
    expect(as.client_id_metadata_document_supported).toBe(true);
  });

  it("runs the whole flow with a URL client id, fetching its document once", async () => {
    const clientId = `${DOCS}/good.json`;
    const before = await fetchCount("/good.json");
    const { html } = await consentPage(request(clientId));
    expect(html).toContain("Authorize Document Client");
    expect(html).toContain("identified by <strong>127.0.0.1</strong>");
    const code = await login(clientId, { user: "ada" });
    const tokens = await token({ grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: clientId, redirect_uri: REDIRECT });
    expect(tokens.status).toBe(200);
    const me = await SELF.fetch(`${BASE}/secure/whoami`, { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user_id: "ada", client_id: clientId });
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: tokens.body.refresh_token, client_id: clientId });
    expect(refreshed.status).toBe(200);
    // Two consent pages, a consent, two token requests: one fetch, then the cache.
    expect((await fetchCount("/good.json")) - before).toBe(1);
    // Fetched as the provider should: asking for JSON, with no cookie or credentials.
    const { headers } = await (await fetch(`${DOCS}/fetches`)).json();
    expect(headers["/good.json"]).toEqual({ accept: "application/json", cookie: null, authorization: null });
  });

  it("ends a user's earlier grant of a document client only for the same redirect URI", async () => {
    // One URL id is one application on many machines: logging in on another
    // (another loopback port) keeps the first session; again on the same one ends it.
    const clientId = `${DOCS}/good.json`;
    const tokensAt = async (redirectUri) => {
      const { status, location } = await submitConsent(await consentPage(request(clientId, { redirect_uri: redirectUri })), { user: "cleo" });
      expect(status).toBe(302);
      const code = new URL(location).searchParams.get("code");
      const tokens = await token({ grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: clientId, redirect_uri: redirectUri });
      expect(tokens.status).toBe(200);
      return tokens.body.access_token;
    };
    const whoami = async (accessToken) => (await SELF.fetch(`${BASE}/secure/whoami`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
    const first = await tokensAt("http://localhost:40001/callback");
    const second = await tokensAt("http://localhost:40002/callback");
    expect([await whoami(first), await whoami(second)]).toEqual([200, 200]);
    const third = await tokensAt("http://localhost:40002/callback");
    expect([await whoami(first), await whoami(second), await whoami(third)]).toEqual([200, 401, 200]);
  });

  it("keeps a document for its cache lifetime, and does not keep a no-store one", async () => {
    const cached = `${DOCS}/cached.json`;
    expect((await authorize(request(cached))).status).toBe(200);
    expect((await authorize(request(cached))).status).toBe(200);
    expect(await fetchCount("/cached.json")).toBe(1);
    const noStore = `${DOCS}/no-store.json`;
    const before = await fetchCount("/no-store.json");
    expect((await authorize(request(noStore))).status).toBe(200);
    expect((await authorize(request(noStore))).status).toBe(200);
    expect((await fetchCount("/no-store.json")) - before).toBe(2);
  });

  it("refuses each bad document on its own page, never redirecting", async () => {
    const good = await fetchCount("/good.json");
    for (const [path, says] of [
      ["/other-id.json", "is not its URL"],
      ["/large.json", "larger than 5120 bytes"],
      ["/large-chunked.json", "larger than 5120 bytes"],
      ["/secret.json", "needs a shared secret"],
      ["/javascript.json", "the javascript: scheme is not allowed"],
      ["/redirect.json", "answered a redirect (HTTP 302), which is not followed"],
      ["/not-json.json", "it is not JSON"],
      ["/missing.json", "answered HTTP 404"],
      ["/slow.json", "no answer within 5s"],
    ]) {
      const answer = await authorize(request(`${DOCS}${path}`));
      expect(answer.status, path).toBe(400);
      expect(answer.location, path).toBeNull();
      expect(answer.text, path).toContain(says);
    }
    // The redirect was not followed: the document it points at was not fetched.
    expect(await fetchCount("/redirect.json")).toBeGreaterThan(0);
    expect(await fetchCount("/good.json")).toBe(good);
  });

  it("refuses URL client ids it must not fetch, without fetching", async () => {
    for (const [clientId, says] of [
      ["http://app.example/client.json", "must be an https URL"],
      ["https://10.0.0.1/client.json", "private or reserved IP address"],
      ["https://169.254.169.254/latest/meta-data", "private or reserved IP address"],
      [`${DOCS}/`, "must have a path"],
      [`${DOCS}/a/../good.json`, ". or .. segments"],
      ["https://user:pw@app.example/client.json", "user name or password"],
    ]) {
      const answer = await authorize(request(clientId));
      expect(answer.status, clientId).toBe(400);
      expect(answer.location, clientId).toBeNull();
      expect(answer.text, clientId).toContain(says);
    }
  });

  it("checks the redirect URI against the document's", async () => {
    const answer = await authorize(request(`${DOCS}/good.json`, { redirect_uri: "https://evil.example/callback" }));
    expect(answer).toMatchObject({ status: 400, location: null });
    expect(answer.text).toContain("Invalid redirect URI");
    // A document client is public: no PKCE, no authorization.
    const { code_challenge, code_challenge_method, ...withoutPkce } = request(`${DOCS}/good.json`);
    const noPkce = await authorize(withoutPkce);
    expect(noPkce.status).toBe(302);
    expect(new URL(noPkce.location).searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("answers invalid_client at the token endpoint when the document fails", async () => {
    for (const [path, says] of [
      ["/missing.json", "answered HTTP 404"],
      ["/secret.json", "needs a shared secret"],
      ["/other-id.json", "is not its URL"],
    ]) {
      const answer = await token({ grant_type: "authorization_code", code: "x:y", code_verifier: VERIFIER, client_id: `${DOCS}${path}`, redirect_uri: REDIRECT });
      expect(answer.status, path).toBe(401);
      expect(answer.body.error, path).toBe("invalid_client");
      expect(answer.body.error_description, path).toContain(says);
    }
    // A document client has no secret to present.
    const basic = `Basic ${btoa(`${encodeURIComponent(`${DOCS}/good.json`)}:guess`)}`;
    const withSecret = await token({ grant_type: "authorization_code", code: "x:y", code_verifier: VERIFIER, redirect_uri: REDIRECT }, { authorization: basic });
    expect(withSecret.status).toBe(401);
    expect(withSecret.body.error).toBe("invalid_client");
  });

  it("treats a URL client id as unknown when the switch is off", async () => {
    const off = "https://fixture-no-cimd";
    const as = await (await SELF.fetch(`${off}/.well-known/oauth-authorization-server`)).json();
    expect(as.client_id_metadata_document_supported).toBe(false);
    const clientId = `${DOCS}/good.json`;
    const before = await fetchCount("/good.json");
    const page = await SELF.fetch(`${off}/authorize?${form(request(clientId))}`, { redirect: "manual" });
    expect(page.status).toBe(400);
    expect(page.headers.get("location")).toBeNull();
    expect(await page.text()).toContain("Unknown client");
    const answer = await token({ grant_type: "authorization_code", code: "x:y", code_verifier: VERIFIER, client_id: clientId, redirect_uri: REDIRECT }, {}, off);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: "invalid_client", error_description: "Client authentication failed" });
    expect(await fetchCount("/good.json")).toBe(before);
  });
});
