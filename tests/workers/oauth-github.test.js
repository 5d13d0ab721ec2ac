// Logging in through a third-party provider (the GitHub MCP example, at its
// own host github.example.com) against the GitHub stand-in
// (tests/standin/github.mjs): consent once per client and browser (a signed
// cookie), a single-use state bound to the browser, the code exchanged, the
// user fetched, and the GitHub token in the props so tools call GitHub for
// the user. Every refusal issues nothing: no redirect to the client with a code.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readMessages } from "./mcp.js";
import { CHALLENGE, form, REDIRECT, register, token, unescape, VERIFIER } from "./oauth.js";

const GH = "https://github.example.com";
const LATER = "https://github-later.example.com"; // the same app, its clock 11 minutes ahead
const UNCONFIGURED = "https://github-unconfigured.example.com"; // no GITHUB_CLIENT_SECRET
const STANDIN = new URL(env.GITHUB_AUTHORIZE_URL).origin;

/** A browser: its own cookie jar, no redirects followed. */
class Browser {
  jar = new Map();

  async fetch(url, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await SELF.fetch(url, { redirect: "manual", ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      if (/max-age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, pair.slice(pair.indexOf("=") + 1));
    }
    return res;
  }
}

const params = (clientId, state = "st-gh") => ({
  response_type: "code", client_id: clientId, redirect_uri: REDIRECT, code_challenge: CHALLENGE,
  code_challenge_method: "S256", state, resource: `${GH}/mcp`, scope: "profile",
});

async function newClient(name = "GitHub test client") {
  const { status, body } = await register({ redirect_uris: [REDIRECT], client_name: name }, GH);
  expect(status).toBe(201);
  return body.client_id;
}

const hidden = (html, name) => unescape(html.match(new RegExp(`name="${name}" value="([^"]*)"`))[1]);

/** GET /authorize: the consent page (200) or a redirect. */
const authorizePage = (browser, clientId, base = GH) => browser.fetch(`${base}/authorize?${form(params(clientId))}`);

/** The consent page approved (or denied): the answer to the POST. */
async function consent(browser, clientId, action = "approve") {
  const page = await authorizePage(browser, clientId);
  expect(page.status).toBe(200);
  const html = await page.text();
  return browser.fetch(`${GH}/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form({ request: hidden(html, "request"), csrf: hidden(html, "csrf"), action }),
  });
}

/** The upstream authorization URL the browser is sent to: after consent, or at once for a client it approved. */
async function toGithub(browser, clientId) {
  const page = await authorizePage(browser, clientId);
  const res = page.status === 302 ? page : await consent(browser, clientId);
  expect(res.status).toBe(302);
  const location = res.headers.get("location");
  expect(location.startsWith(env.GITHUB_AUTHORIZE_URL)).toBe(true);
  return new URL(location);
}

/** The person logs in at the stand-in: the callback URL it sends them back to. */
async function atGithub(upstream, login) {
  const url = new URL(upstream);
  if (login) url.searchParams.set("login", login);
  const res = await fetch(url, { redirect: "manual" });
  expect(res.status).toBe(302);
  return res.headers.get("location");
}

/** The answer to the client's redirect URI: its parameters (asserting it is one). */
function clientRedirect(res) {
  expect(res.status).toBe(302);
  const url = new URL(res.headers.get("location"));
  expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
  expect(url.searchParams.get("state")).toBe("st-gh");
  expect(url.searchParams.get("iss")).toBe(GH);
  return url.searchParams;
}

/** A refusal page: status, no redirect, the message. */
async function refused(res, status, message) {
  expect(res.status).toBe(status);
  expect(res.headers.get("location")).toBeNull();
  const text = await res.text();
  expect(text).toMatch(message);
  return text;
}

async function codeFor(browser, clientId, login) {
  const callback = await atGithub(await toGithub(browser, clientId), login);
  return clientRedirect(await browser.fetch(callback)).get("code");
}

const exchange = (clientId, code) =>
  token({ grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: clientId, redirect_uri: REDIRECT }, {}, GH);

let rpcId = 1;
function mcp(accessToken, body, session) {
  return SELF.fetch(`${GH}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function callTool(accessToken, name) {
  const init = await mcp(accessToken, {
    jsonrpc: "2.0", id: rpcId++, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });
  expect(init.status).toBe(200);
  const session = init.headers.get("mcp-session-id");
  await mcp(accessToken, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  const res = await mcp(accessToken, { jsonrpc: "2.0", id: rpcId++, method: "tools/call", params: { name, arguments: {} } }, session);
  expect(res.status).toBe(200);
  return (await readMessages(res)).at(-1).result;
}

const standinRequests = async () => (await fetch(`${STANDIN}/requests`)).json();

describe("login through GitHub (the GitHub MCP example)", () => {
  it("is a provider of its own at its origin", async () => {
    const meta = await (await SELF.fetch(`${GH}/.well-known/oauth-authorization-server`)).json();
    expect(meta).toMatchObject({ issuer: GH, authorization_endpoint: `${GH}/authorize`, token_endpoint: `${GH}/token` });
    const challenge = await SELF.fetch(`${GH}/mcp`, { method: "POST", body: "{}" });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get("www-authenticate")).toContain(`resource_metadata="${GH}/.well-known/oauth-protected-resource/mcp"`);
    // A client of the fixture's other provider is unknown here (separate stores).
    const { body: other } = await register({ redirect_uris: [REDIRECT] });
    await refused(await authorizePage(new Browser(), other.client_id), 400, /Unknown client/);
  });

  it("logs in with GitHub after consent, and hands the GitHub token to the tools", async () => {
    const clientId = await newClient("Cl<ient> & co");
    const browser = new Browser();
    const page = await authorizePage(browser, clientId);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain("Cl&lt;ient&gt; &amp; co"); // the client's name, escaped
    expect(html).toContain("<strong>localhost</strong>"); // where you go back to
    expect(html).toContain("It asks for: <code>profile</code>");
    expect(browser.jar.has("__Host-upstream-login")).toBe(false); // no binding before consent

    const res = await browser.fetch(`${GH}/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form({ request: hidden(html, "request"), csrf: hidden(html, "csrf"), action: "approve" }),
    });
    expect(res.status).toBe(302);
    const upstream = new URL(res.headers.get("location"));
    expect(`${upstream.origin}${upstream.pathname}`).toBe(env.GITHUB_AUTHORIZE_URL);
    expect(Object.fromEntries(upstream.searchParams)).toEqual({
      response_type: "code", client_id: env.GITHUB_CLIENT_ID, redirect_uri: `${GH}/callback`, scope: "read:user",
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const cookies = res.headers.getSetCookie();
    for (const name of ["__Host-upstream-login", "__Host-approved-clients"]) {
      const cookie = cookies.find((c) => c.startsWith(`${name}=`));
      expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    }

    const callback = await atGithub(upstream);
    expect(callback.startsWith(`${GH}/callback?`)).toBe(true);
    const code = clientRedirect(await browser.fetch(callback)).get("code");
    const tokens = await exchange(clientId, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ resource: `${GH}/mcp`, scope: "profile" });

    expect((await callTool(tokens.body.access_token, "whoami")).content[0].text).toBe("octo-ada");
    const user = await callTool(tokens.body.access_token, "github_user");
    expect(user.isError).toBe(false);
    expect(JSON.parse(user.content[0].text)).toEqual({ login: "octo-ada", id: 4242, name: "Ada Octo", email: "ada@example.com" });

    // What GitHub was sent: the code exchange as a form asking for JSON, the user with the token and a User-Agent.
    const sent = await standinRequests();
    expect(sent.filter((r) => r.path === "/login/oauth/access_token").at(-1)).toMatchObject({
      method: "POST", accept: "application/json", contentType: "application/x-www-form-urlencoded", userAgent: "workers-agents-github-mcp",
    });
    expect(sent.filter((r) => r.path === "/user").at(-1)).toMatchObject({ authorization: "Bearer", userAgent: "workers-agents-github-mcp" });
  });

  it("skips consent for a client this browser approved, and only for it", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    await toGithub(browser, clientId);
    const again = await authorizePage(browser, clientId);
    expect(again.status).toBe(302);
    const upstream = new URL(again.headers.get("location"));
    expect(`${upstream.origin}${upstream.pathname}`).toBe(env.GITHUB_AUTHORIZE_URL);
    const code = clientRedirect(await browser.fetch(await atGithub(upstream, "octo-bob"))).get("code");
    const tokens = await exchange(clientId, code);
    expect((await callTool(tokens.body.access_token, "whoami")).content[0].text).toBe("octo-bob");

    expect((await authorizePage(new Browser(), clientId)).status).toBe(200); // another browser: consent
    expect((await authorizePage(browser, await newClient())).status).toBe(200); // another client: consent
  });

  it("does not trust an approved-clients cookie it did not sign", async () => {
    const approved = await newClient();
    const other = await newClient();
    const browser = new Browser();
    await toGithub(browser, approved);
    const [, mac] = browser.jar.get("__Host-approved-clients").split(".");
    const b64url = (text) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const forged of [
      `${b64url(JSON.stringify([approved, other]))}.${mac}`, // another list under the real signature
      `${b64url(JSON.stringify([other]))}.${b64url("x".repeat(32))}`, // a made-up signature
      b64url(JSON.stringify([other])), // no signature
    ]) {
      const tampered = new Browser();
      tampered.jar.set("__Host-approved-clients", forged);
      const page = await authorizePage(tampered, other);
      expect(page.status).toBe(200); // the consent page, not GitHub
      expect(await page.text()).toContain('name="csrf"');
    }
    const genuine = new Browser();
    genuine.jar.set("__Host-approved-clients", browser.jar.get("__Host-approved-clients"));
    expect((await authorizePage(genuine, approved)).status).toBe(302);
  });

  it("denies the client when the person denies on the consent page, and refuses a form without its CSRF token", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    const denied = clientRedirect(await consent(browser, clientId, "deny"));
    expect(denied.get("error")).toBe("access_denied");
    expect(denied.get("code")).toBeNull();
    expect(browser.jar.has("__Host-approved-clients")).toBe(false);

    const page = await authorizePage(browser, clientId);
    const html = await page.text();
    const res = await browser.fetch(`${GH}/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form({ request: hidden(html, "request"), csrf: "forged", action: "approve" }),
    });
    await refused(res, 403, /The form expired or was not sent from this page/);
    const huge = await browser.fetch(`${GH}/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form({ request: "x".repeat(40_000), csrf: hidden(html, "csrf"), action: "approve" }),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("location")).toBeNull();
  });

  it("keeps no authorization request over 16 KiB with a state", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    await toGithub(browser, clientId);
    const long = await browser.fetch(`${GH}/authorize?${form({ ...params(clientId), pad: "p".repeat(17_000) })}`);
    await refused(long, 400, /too long \(at most 16384 bytes\)/);
  });

  it("refuses a callback in another browser or without the binding cookie, and leaves the state to its browser", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    const callback = await atGithub(await toGithub(browser, clientId));
    await refused(await new Browser().fetch(callback), 400, /started in another browser/);
    const stripped = new Browser();
    for (const [k, v] of browser.jar) if (k !== "__Host-upstream-login") stripped.jar.set(k, v);
    await refused(await stripped.fetch(callback), 400, /started in another browser/);
    const wrong = new Browser();
    wrong.jar.set("__Host-upstream-login", "a".repeat(43));
    await refused(await wrong.fetch(callback), 400, /started in another browser/);
    // The browser that started it still finishes it.
    expect(clientRedirect(await browser.fetch(callback)).get("code")).toBeTruthy();
  });

  it("takes a state once: a replayed callback is refused", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    const callback = await atGithub(await toGithub(browser, clientId));
    const [first, second] = await Promise.all([browser.fetch(callback), browser.fetch(callback)]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([302, 400]); // racing callbacks: one wins
    const loser = first.status === 400 ? first : second;
    await refused(loser, 400, /unknown or was already used/);
    await refused(await browser.fetch(callback), 400, /unknown or was already used/);
  });

  it("refuses an expired state (the provider's clock 11 minutes on), and it is gone", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    const callback = new URL(await atGithub(await toGithub(browser, clientId)));
    await refused(await browser.fetch(`${LATER}${callback.pathname}${callback.search}`), 400, /took too long/);
    await refused(await browser.fetch(callback.href), 400, /unknown or was already used/);
  });

  it("refuses a callback without a state, with an unknown one, or with parameters twice", async () => {
    const browser = new Browser();
    await refused(await browser.fetch(`${GH}/callback?code=abc`), 400, /has no state/);
    await refused(await browser.fetch(`${GH}/callback?code=abc&state=${"s".repeat(43)}`), 400, /unknown or was already used/);
    await refused(await browser.fetch(`${GH}/callback?code=abc&state=short`), 400, /unknown or was already used/);
    await refused(await browser.fetch(`${GH}/callback?state=a&state=b`), 400, /state parameter is given more than once/);
  });

  it("passes GitHub's access_denied on to the client; shows any other GitHub error", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    const { searchParams: upstream } = await toGithub(browser, clientId);
    const denied = await browser.fetch(`${GH}/callback?${form({ error: "access_denied", error_description: "The user has denied your application access.", state: upstream.get("state") })}`);
    const answer = clientRedirect(denied);
    expect(answer.get("error")).toBe("access_denied");
    expect(answer.get("code")).toBeNull();

    const { searchParams: again } = await toGithub(browser, clientId);
    const suspended = await browser.fetch(`${GH}/callback?${form({ error: "application_suspended", error_description: "<b>Your app</b>", state: again.get("state") })}`);
    const text = await refused(suspended, 502, /GitHub answered application_suspended/);
    expect(text).toContain("&lt;b&gt;Your app&lt;/b&gt;");
  });

  it("issues nothing when GitHub refuses the code or fails", async () => {
    const clientId = await newClient();
    const browser = new Browser();
    const { searchParams: first } = await toGithub(browser, clientId);
    const bad = `${GH}/callback?${form({ code: "not-a-code", state: first.get("state") })}`;
    await refused(await browser.fetch(bad), 400, /bad_verification_code/);
    await refused(await browser.fetch(bad), 400, /unknown or was already used/); // the state went with it

    const { searchParams: second } = await toGithub(browser, clientId);
    await refused(await browser.fetch(`${GH}/callback?${form({ code: "server-error", state: second.get("state") })}`), 502, /status 500/);

    const { searchParams: third } = await toGithub(browser, clientId);
    await refused(await browser.fetch(`${GH}/callback?state=${third.get("state")}`), 400, /has no code/);
  });

  it("names the missing configuration on its pages, with nothing issued", async () => {
    const clientId = await newClient();
    const res = await authorizePage(new Browser(), clientId, UNCONFIGURED);
    await refused(res, 500, /GITHUB_CLIENT_SECRET is not set/);
    await refused(await SELF.fetch(`${UNCONFIGURED}/callback?code=a&state=b`, { redirect: "manual" }), 500, /GITHUB_CLIENT_SECRET/);
    // The provider's own endpoints do without it.
    expect((await SELF.fetch(`${UNCONFIGURED}/.well-known/oauth-authorization-server`)).status).toBe(200);
  });
});
