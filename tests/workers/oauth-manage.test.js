// The provider's management calls (an app's account or admin page): a
// user's grants across clients, ending one, and clients made and deleted
// by hand. The fixture exposes them at /oauth-admin/... .
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authorize, BASE, CHALLENGE, login, REDIRECT, register, token, VERIFIER } from "./oauth.js";

const admin = (path, init) => SELF.fetch(`${BASE}/oauth-admin/${path}`, init);
const post = (path, body) =>
  admin(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const whoami = (accessToken) => SELF.fetch(`${BASE}/secure/whoami`, { headers: { authorization: `Bearer ${accessToken}` } });

async function tokenFor(clientId, user) {
  const code = await login(clientId, { user });
  const tokens = await token({ grant_type: "authorization_code", code, code_verifier: VERIFIER, client_id: clientId, redirect_uri: REDIRECT });
  expect(tokens.status).toBe(200);
  return tokens.body.access_token;
}

describe("OAuth provider management", () => {
  it("lists a user's grants and ends one of them with its tokens", async () => {
    const user = `u-${crypto.randomUUID()}`;
    const { body: first } = await register({ redirect_uris: [REDIRECT] });
    const { body: second } = await register({ redirect_uris: [REDIRECT] });
    const one = await tokenFor(first.client_id, user);
    const two = await tokenFor(second.client_id, user);
    await tokenFor(first.client_id, "someone-else");

    const grants = await (await admin(`grants?user=${encodeURIComponent(user)}`)).json();
    expect(grants.map((g) => g.client_id).sort()).toEqual([first.client_id, second.client_id].sort());
    expect(grants[0]).toMatchObject({ scope: ["read"], metadata: { label: user } });
    const firstGrant = grants.find((g) => g.client_id === first.client_id).grant_id;

    // Only the user's own grant can be ended in their name.
    expect(await (await post("revoke", { user: "someone-else", grant_id: firstGrant })).json()).toEqual({ revoked: false });
    expect((await whoami(one)).status).toBe(200);
    expect(await (await post("revoke", { user, grant_id: firstGrant })).json()).toEqual({ revoked: true });
    expect((await whoami(one)).status).toBe(401);
    expect((await whoami(two)).status).toBe(200);
    expect((await (await admin(`grants?user=${encodeURIComponent(user)}`)).json()).map((g) => g.client_id)).toEqual([second.client_id]);
  });

  it("makes clients by hand, checked as registration is, and deletes them", async () => {
    const bad = await post("clients", { redirect_uris: ["javascript:alert(1)"], token_endpoint_auth_method: "none" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe("invalid_client_metadata");

    const confidential = await (await post("clients", { client_name: "Admin tool", redirect_uris: [REDIRECT] })).json();
    expect(confidential.client_secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    const made = await (await post("clients", { client_name: "Made by hand", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" })).json();
    expect(made.client_secret).toBeNull();
    expect((await whoami(await tokenFor(made.client, "ada"))).status).toBe(200);

    expect(await (await admin(`clients/${made.client}`, { method: "DELETE" })).json()).toEqual({ deleted: true });
    expect(await (await admin(`clients/${made.client}`, { method: "DELETE" })).json()).toEqual({ deleted: false });
    // A deleted client can no longer authorize: an error page, never a redirect.
    const refused = await authorize({
      response_type: "code", client_id: made.client, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: "S256",
    });
    expect(refused.status).toBe(400);
    expect(refused.location).toBeNull();
  });
});
