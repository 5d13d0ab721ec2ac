// A front end's path to a plain agent behind the OAuth provider, against
// `wrangler dev`: it logs in as a browser app does (registration, PKCE, the
// consent page, the code for a token), then connects with the official
// AgentClient, the token in the query (`query: { token }`: browsers cannot
// set headers on a WebSocket). Each connection speaks for its own user.
import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";

const base = inject("baseUrl");
const host = new URL(base).host;
const client = clientsFor(host);
const REDIRECT = "http://localhost:33418/callback";

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

/** Logs `user` in as a public browser client would; the access token. */
async function login(user) {
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
  const page = await fetch(new URL(`/authorize?${request}`, base));
  expect(page.status).toBe(200);
  const html = await page.text();
  const hidden = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))[1].replace(/&amp;/g, "&");
  const approved = await fetch(new URL("/authorize", base), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: page.headers.get("set-cookie").split(";")[0] },
    body: new URLSearchParams({ request: hidden("request"), csrf: hidden("csrf"), user, action: "approve" }),
  });
  expect(approved.status).toBe(302);
  const code = new URL(approved.headers.get("location")).searchParams.get("code");
  const tokens = await fetch(new URL("/token", base), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, client_id, redirect_uri: REDIRECT }),
  });
  expect(tokens.status).toBe(200);
  return (await tokens.json()).access_token;
}

const vault = (name, token) => client({ agent: "Vault", name, prefix: "secure/agents", query: { token } });

describe("official AgentClient behind the OAuth provider", () => {
  it("connects with a token, and each connection speaks for its own user", async () => {
    const name = unique("vault");
    const admin = vault(name, await login("admin"));
    const ada = vault(name, await login("ada"));
    await Promise.all([admin.ready, ada.ready]);
    expect(admin.state).toEqual({ notes: [] });
    expect(await admin.stub.whoami()).toBe("admin");
    expect(await ada.stub.whoami()).toBe("ada");

    const seen = new Promise((resolve) => {
      admin.options.onStateUpdate = (state) => state.notes.length === 1 && resolve(state);
    });
    expect(await ada.stub.leaveNote("hello")).toBe(1);
    expect(await seen).toEqual({ notes: [{ user: "ada", text: "hello" }] });
    await expect(ada.stub.clear()).rejects.toThrow("Permission denied: requires admin");
    await admin.stub.clear();
  });

  it("refuses the WebSocket handshake without a token, with the challenge", async () => {
    const refused = await new Promise((resolve, reject) => {
      const req = httpRequest(new URL(`/secure/agents/vault/${unique("vault")}`, base), {
        headers: {
          upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13",
          "sec-websocket-key": randomBytes(16).toString("base64"),
        },
      });
      req.on("response", (res) => { res.resume(); resolve(res); });
      req.on("upgrade", () => reject(new Error("upgraded without a token")));
      req.on("error", reject);
      req.end();
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers["www-authenticate"]).toContain("resource_metadata=");
  });
});
