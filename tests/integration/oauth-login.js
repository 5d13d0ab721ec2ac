// Logs a user in against the fixture's OAuth provider as a public browser
// client does: registration, PKCE, the consent page (filled in and
// submitted with fetch), the code for an access token.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";

const REDIRECT = "http://localhost:33418/callback";

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

/** Logs `user` in as a public browser client would; the access token. */
export async function login(base, user) {
  return (await loginTokens(base, user)).access_token;
}

/** Logs `user` in as a public browser client would; the token response. */
export async function loginTokens(base, user) {
  const registered = await fetch(new URL("/register", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "front end", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }),
  });
  expect(registered.status).toBe(201);
  const { client_id } = await registered.json();
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  const request = new URLSearchParams({
    response_type: "code", client_id, redirect_uri: REDIRECT, code_challenge: challenge,
    code_challenge_method: "S256", state: "s1", resource: new URL("/secure", base).href,
  });
  const code = (await approve(new URL(`/authorize?${request}`, base), user)).searchParams.get("code");
  const tokens = await fetch(new URL("/token", base), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, client_id, redirect_uri: REDIRECT }),
  });
  expect(tokens.status).toBe(200);
  return tokens.json();
}

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
