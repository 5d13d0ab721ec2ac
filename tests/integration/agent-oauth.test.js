// A front end's path to a plain agent behind the OAuth provider, against
// `wrangler dev`: it logs in as a browser app does (registration, PKCE, the
// consent page, the code for a token), then connects with the official
// AgentClient, the token in the query (`query: { token }`: browsers cannot
// set headers on a WebSocket). Each connection speaks for its own user.
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { describe, expect, inject, it } from "vitest";
import { clientsFor, unique } from "./clients.js";
import { login as loginAt } from "./oauth-login.js";

const base = inject("baseUrl");
const host = new URL(base).host;
const client = clientsFor(host);
const login = (user) => loginAt(base, user);
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
