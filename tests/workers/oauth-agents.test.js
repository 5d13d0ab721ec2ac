// A plain agent behind the OAuth provider (the secure example's Vault at
// /secure/agents/vault/{name}): a WebSocket brings its token in the query,
// each connection speaks for its own user, the token never reaches the
// agent, and HTTP requests take theirs from the Authorization header.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FrameClient, uniqueName } from "./frames.js";
import { accessToken, BASE } from "./oauth.js";

const vault = (name) => `${BASE}/secure/agents/vault/${name}`;

function upgrade(url, headers = {}) {
  return SELF.fetch(url, { headers: { upgrade: "websocket", ...headers } });
}

async function open(url, headers) {
  const res = await upgrade(url, headers);
  expect(res.status).toBe(101);
  res.webSocket.accept();
  const client = new FrameClient(res.webSocket);
  await client.handshake();
  return client;
}

describe("plain agents behind the OAuth provider", () => {
  it("refuses a WebSocket without a token, or with a bad one, with the challenge", async () => {
    const name = uniqueName("v");
    const missing = await upgrade(vault(name));
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("resource_metadata=");
    const bad = await upgrade(`${vault(name)}?token=nope`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // Given twice, the token is refused, not picked.
    const admin = await accessToken("admin");
    const twice = await upgrade(`${vault(name)}?token=${admin}&token=${admin}`);
    expect(twice.status).toBe(401);
  });

  it("takes the query token only on WebSocket upgrades", async () => {
    const admin = await accessToken("admin");
    const res = await SELF.fetch(`${vault(uniqueName("v"))}?token=${encodeURIComponent(admin)}`);
    expect(res.status).toBe(401);
  });

  it("takes no query token from an upgrade unless configured to", async () => {
    // The host fixture-header-only keeps the default: only the header counts.
    const base = "https://fixture-header-only";
    const url = `${base}/secure/agents/vault/${uniqueName("v")}`;
    const token = await accessToken("ada", { base });
    const refused = await upgrade(`${url}?token=${encodeURIComponent(token)}`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).not.toContain("invalid_token");
    await refused.text();
    const client = await open(url, { authorization: `Bearer ${token}` });
    expect((await client.call("whoami")).result).toBe("ada");
    client.close();
  });

  it("gives each connection its own user, kept across calls", async () => {
    const name = uniqueName("v");
    const admin = await open(`${vault(name)}?token=${encodeURIComponent(await accessToken("admin"))}`);
    const ada = await open(`${vault(name)}?_pk=ada-1&token=${encodeURIComponent(await accessToken("ada"))}`);
    expect((await admin.call("whoami")).result).toBe("admin");
    expect((await ada.call("whoami")).result).toBe("ada");

    // Notes are signed with the caller's user, whoever else is connected.
    expect((await ada.call("leaveNote", ["from ada"])).result).toBe(1);
    expect((await admin.call("leaveNote", ["from admin"])).result).toBe(2);
    const state = await ada.next((f) => f.type === "cf_agent_state" && f.state.notes.length === 2);
    expect(state.state.notes).toEqual([
      { user: "ada", text: "from ada" },
      { user: "admin", text: "from admin" },
    ]);

    // Permissions come from the connection's props.
    const refused = await ada.call("clear");
    expect(refused.success).toBe(false);
    expect(refused.error).toBe("Permission denied: requires admin");
    expect((await admin.call("clear")).success).toBe(true);
    admin.close();
    ada.close();
  });

  it("accepts the Authorization header on an upgrade too", async () => {
    const token = await accessToken("grace");
    const client = await open(vault(uniqueName("v")), { authorization: `Bearer ${token}` });
    expect((await client.call("whoami")).result).toBe("grace");
    client.close();
  });

  it("serves HTTP requests with the header's user", async () => {
    const token = await accessToken("ada");
    const res = await SELF.fetch(vault(uniqueName("v")), { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: "ada", scope: ["read"] });
  });

  it("passes the connection's user and props on, and never the token", async () => {
    const token = await accessToken("admin");
    const res = await upgrade(`${BASE}/secure/probe/probe/${uniqueName("p")}?_pk=me&token=${encodeURIComponent(token)}&tag=t1`);
    expect(res.status).toBe(101);
    res.webSocket.accept();
    const client = new FrameClient(res.webSocket);
    await client.handshake();
    client.send("whoami");
    const whoami = await client.ofType("whoami");
    expect(whoami.id).toBe("me");
    expect(whoami.tags).toEqual(["me", "t1"]);
    expect(whoami.visitor.query).toBe("_pk=me&tag=t1");
    expect(whoami.auth).toEqual({ user: "admin", props: { user: "admin", permissions: ["admin"] } });
    client.close();
  });
});
