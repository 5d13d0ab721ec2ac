// An OAuth client against the fixture's provider, over plain HTTP:
// registration, the test authorization page, the token endpoint.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";

export const BASE = "https://fixture";
export const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
export const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
export const REDIRECT = "http://localhost:33418/callback";

export const form = (fields) => new URLSearchParams(fields).toString();

/** POSTs client metadata to /register (of `base`): status, body and headers. */
export async function register(metadata = {}, base = BASE) {
  const res = await SELF.fetch(`${base}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: ["http://localhost/callback"],
      client_name: "Test client",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      ...metadata,
    }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** The answer to an authorization request: status, Location, body. */
export async function authorize(params, base = BASE) {
  const res = await SELF.fetch(`${base}/authorize?${form(params)}`, { redirect: "manual" });
  return { status: res.status, location: res.headers.get("location"), text: res.status === 302 ? "" : await res.text() };
}

export const unescape = (text) =>
  text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The consent page for an authorization request: its HTML, hidden fields and CSRF cookie. */
export async function consentPage(params, base = BASE) {
  const page = await SELF.fetch(`${base}/authorize?${form(params)}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const hidden = (name) => unescape(html.match(new RegExp(`name="${name}" value="([^"]*)"`))[1]);
  return { page, html, request: hidden("request"), csrf: hidden("csrf"), cookie: page.headers.get("set-cookie").split(";")[0] };
}

/** Submits the consent form as a person would: its status and Location. */
export async function submitConsent({ request, csrf, cookie }, { user = "ada", action = "approve", base = BASE } = {}) {
  const res = await SELF.fetch(`${base}/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    body: form({ request, csrf, user, action }),
  });
  return { status: res.status, location: res.headers.get("location"), text: res.status === 302 ? "" : await res.text() };
}

/** POSTs a token request (to `base`): status, parsed body (null when empty), headers. */
export async function token(fields, headers = {}, base = BASE) {
  const res = await SELF.fetch(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: form(fields),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Authorizes `clientId` as `user` through the consent page; the code. */
export async function login(clientId, { user = "ada", scope = "read", base = BASE, resource = `${base}/secure` } = {}) {
  const page = await consentPage({
    response_type: "code", client_id: clientId, redirect_uri: REDIRECT, code_challenge: CHALLENGE,
    code_challenge_method: "S256", state: "st-1", scope, resource,
  }, base);
  const { status, location } = await submitConsent(page, { user, base });
  expect(status).toBe(302);
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
  expect(url.searchParams.get("state")).toBe("st-1");
  expect(url.searchParams.get("iss")).toBe(base);
  return url.searchParams.get("code");
}

/** A new public client's access token for `user`. */
export async function accessToken(user, options = {}) {
  const { body: client } = await register();
  const code = await login(client.client_id, { user, ...options });
  const tokens = await token(
    { grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: client.client_id, redirect_uri: REDIRECT },
    {},
    options.base,
  );
  expect(tokens.status).toBe(200);
  return tokens.body.access_token;
}
