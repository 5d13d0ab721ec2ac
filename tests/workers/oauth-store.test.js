// The OAuth store (a Durable Object per shard) in workerd: codes are single
// use and checked before they are used, refresh tokens rotate (the previous
// one accepted once more), tokens carry sealed props, revocation and expiry
// end what they should. The clock is the test's (`now_ms`).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const T0 = 1_800_000_000_000;
const LIFETIMES = { access_ms: 3_600_000, refresh_ms: 30 * 86_400_000 };
let shardNo = 0;

async function op(name, body) {
  const res = await SELF.fetch(`https://fixture/oauth-store/${name}`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

/** A fresh shard with one grant; its code. */
async function grant(overrides = {}) {
  const shard = `test-${++shardNo}`;
  const request = {
    grant_id: `g${String(shardNo).padStart(15, "0")}`,
    user_id: "ada",
    client_id: "c1",
    scope: ["read", "write"],
    metadata: { label: "Ada" },
    props: { user: "ada", permissions: ["admin"] },
    resource: "https://mcp.example/mcp",
    redirect_uri: "http://localhost/cb",
    code_challenge: CHALLENGE,
    now_ms: T0,
    code_ttl_ms: 600_000,
    ...overrides,
  };
  const { ok: code } = await op("create-grant", { shard, request });
  expect(code).toMatch(/^[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{43}$/);
  return { shard, code };
}

const exchange = (shard, code, extra = {}) =>
  op("exchange-code", {
    shard,
    request: { code, client_id: "c1", code_verifier: VERIFIER, redirect_uri: "http://localhost/cb", now_ms: T0 + 1000, lifetimes: LIFETIMES, ...extra },
  });

const refresh = (shard, refresh_token, extra = {}) =>
  op("exchange-refresh", { shard, request: { refresh_token, client_id: "c1", now_ms: T0 + 2000, lifetimes: LIFETIMES, ...extra } });

const unwrap = (shard, token, now_ms = T0 + 3000) => op("unwrap", { shard, token, now_ms });

describe("OAuth store", () => {
  it("checks everything before using a code, so a bad try can be followed by a good one", async () => {
    const { shard, code } = await grant();
    const bad = [
      [{ code_verifier: "x".repeat(43) }, "invalid_grant", /code_verifier does not match/],
      [{ code_verifier: null }, "invalid_request", /code_verifier is required/],
      [{ redirect_uri: "http://localhost/other" }, "invalid_grant", /redirect_uri does not match/],
      [{ redirect_uri: "http://localhost:5555/cb" }, "invalid_grant", /redirect_uri does not match/], // the same string (RFC 6749 §4.1.3)
      [{ client_id: "c2" }, "invalid_grant", /another client/],
      [{ resource: "https://other.example/mcp" }, "invalid_target", /not the granted one/],
      [{ code: code.slice(0, -1) + (code.endsWith("A") ? "B" : "A") }, "invalid_grant", /Invalid authorization code/],
      [{ now_ms: T0 + 600_001 }, "invalid_grant", /expired/],
    ];
    for (const [extra, error, description] of bad) {
      const answer = await exchange(shard, code, extra);
      expect(answer.error, JSON.stringify(extra)).toBe(error);
      expect(answer.error_description).toMatch(description);
    }
    const { ok: issued } = await exchange(shard, code, { scope: ["read", "admin"] });
    expect(issued.scope).toEqual(["read"]); // narrowed to what was granted
    expect(issued.expires_in).toBe(3600);
    expect(issued.resource).toBe("https://mcp.example/mcp");
    expect(issued.access_token.split(":")[0]).toBe(code.split(":")[0]);
    const info = (await unwrap(shard, issued.access_token)).ok;
    expect(info).toMatchObject({ user_id: "ada", client_id: "c1", scope: ["read"], audience: "https://mcp.example/mcp" });
    expect(info.props).toEqual({ user: "ada", permissions: ["admin"] });
  });

  it("ends the grant when a used code comes back", async () => {
    const { shard, code } = await grant();
    const { ok: issued } = await exchange(shard, code);
    const replay = await exchange(shard, code);
    expect(replay).toMatchObject({ error: "invalid_grant", error_description: "Authorization code already used" });
    expect((await unwrap(shard, issued.access_token)).ok).toBeNull();
    expect((await refresh(shard, issued.refresh_token)).error).toBe("invalid_grant");
  });

  it("rotates refresh tokens, taking the previous one once more", async () => {
    const { shard, code } = await grant();
    const r0 = (await exchange(shard, code)).ok.refresh_token;
    const r1 = (await refresh(shard, r0)).ok.refresh_token;
    const again = (await refresh(shard, r0)).ok; // the answer with r1 was lost
    const r2 = again.refresh_token;
    expect((await refresh(shard, r0)).error).toBe("invalid_grant"); // once more, not for ever
    expect((await unwrap(shard, again.access_token)).ok.props.user).toBe("ada");
    expect((await refresh(shard, r1)).error).toBe("invalid_grant");
    const r3 = (await refresh(shard, r2)).ok.refresh_token;
    expect((await refresh(shard, r0)).error).toBe("invalid_grant");
    expect((await refresh(shard, r3, { client_id: "c2" })).error).toBe("invalid_grant");
    expect((await refresh(shard, r3, { now_ms: T0 + LIFETIMES.refresh_ms })).error_description).toMatch(/expired/);
    expect((await refresh(shard, r3)).ok.refresh_token).toMatch(/:/);
  });

  it("lets tokens expire, revokes access tokens alone and refresh tokens with their grant", async () => {
    const { shard, code } = await grant();
    const issued = (await exchange(shard, code)).ok;
    expect((await unwrap(shard, issued.access_token, T0 + 1000 + LIFETIMES.access_ms)).ok).toBeNull();
    expect((await unwrap(shard, "not-a-token")).ok).toBeNull();
    await op("revoke", { shard, token: issued.access_token, client_id: "c2" }); // another client's: ignored
    expect((await unwrap(shard, issued.access_token)).ok).not.toBeNull();
    await op("revoke", { shard, token: issued.access_token, client_id: "c1" });
    expect((await unwrap(shard, issued.access_token)).ok).toBeNull();
    const next = (await refresh(shard, issued.refresh_token)).ok;
    expect((await unwrap(shard, next.access_token)).ok).not.toBeNull();
    await op("revoke", { shard, token: next.refresh_token, client_id: "c1" });
    expect((await unwrap(shard, next.access_token)).ok).toBeNull();
    expect((await refresh(shard, next.refresh_token)).error).toBe("invalid_grant");
  });

  it("lists a user's grants without secrets, revokes one, and purges what expired", async () => {
    const { shard, code } = await grant();
    await exchange(shard, code);
    const { ok: list } = await op("grants", { shard, user_id: "ada" });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ client_id: "c1", scope: ["read", "write"], metadata: { label: "Ada" } });
    expect(Object.keys(list[0]).sort()).toEqual(["client_id", "created_ms", "expires_ms", "grant_id", "metadata", "scope"]);
    expect(JSON.stringify(list)).not.toMatch(/admin/); // no props
    expect((await op("revoke-grant", { shard, grant_id: list[0].grant_id, user_id: "bob" })).ok).toBe(false);
    expect((await op("revoke-grant", { shard, grant_id: list[0].grant_id, user_id: "ada" })).ok).toBe(true);
    expect((await op("grants", { shard, user_id: "ada" })).ok).toEqual([]);

    const unused = await grant();
    const used = await grant({ user_id: "bob" });
    await exchange(used.shard, used.code);
    expect((await op("purge", { shard: unused.shard, now_ms: T0 + 600_001 })).ok).toBe(1); // its code expired unused
    expect((await exchange(unused.shard, unused.code)).error).toBe("invalid_grant");
    expect((await op("purge", { shard: used.shard, now_ms: T0 + 600_001 })).ok).toBe(0); // alive: its refresh token
    expect((await op("purge", { shard: used.shard, now_ms: T0 + LIFETIMES.refresh_ms + 5000 })).ok).toBeGreaterThan(0);
  });

  it("replaces a user's earlier grant for the same client", async () => {
    const first = await grant();
    const tokens = (await exchange(first.shard, first.code)).ok;
    const request = {
      grant_id: `h${String(++shardNo).padStart(15, "0")}`, user_id: "ada", client_id: "c1", scope: ["read"], metadata: {},
      props: { user: "ada" }, resource: null, redirect_uri: "http://localhost/cb", code_challenge: CHALLENGE, now_ms: T0, code_ttl_ms: 600_000,
    };
    expect((await op("create-grant", { shard: first.shard, request })).ok).toMatch(/:/);
    expect((await unwrap(first.shard, tokens.access_token)).ok).toBeNull();
    expect((await refresh(first.shard, tokens.refresh_token)).error).toBe("invalid_grant");
    expect((await op("grants", { shard: first.shard, user_id: "ada" })).ok).toHaveLength(1);
  });

  it("refuses user ids with ':' and codes of another shape", async () => {
    const answer = await op("create-grant", {
      shard: "test-bad",
      request: { grant_id: "abcdefghijklmnop", user_id: "a:b", client_id: "c1", scope: [], metadata: null, props: {}, resource: null, redirect_uri: "https://a.example/cb", code_challenge: null, now_ms: T0, code_ttl_ms: 1 },
    });
    expect(answer.error).toBe("invalid_request");
    expect((await exchange("test-bad", "nope")).error).toBe("invalid_grant");
  });

  it("keeps a pending upstream login for its browser until it is taken once or expires", async () => {
    const shard = `test-${++shardNo}`;
    const login = (state_hash, expires_ms = T0 + 600_000) =>
      op("put-state", { shard, request: { state_hash, binding_hash: "b".repeat(64), payload: "client_id=c1", expires_ms } });
    const take = (state_hash, binding_hash = "b".repeat(64), now_ms = T0 + 1000) =>
      op("take-state", { shard, state_hash, binding_hash, now_ms });

    await login("s1");
    expect((await take("s1", "c".repeat(64))).ok).toBe("OtherBrowser"); // left for its own browser
    expect((await take("s1")).ok).toEqual({ Taken: "client_id=c1" });
    expect((await take("s1")).ok).toBe("Unknown"); // once
    expect((await take("never")).ok).toBe("Unknown");

    await login("s2");
    expect((await take("s2", "b".repeat(64), T0 + 600_000)).ok).toBe("Expired");
    expect((await take("s2")).ok).toBe("Unknown"); // and gone

    await login("s3");
    await login("s4", T0 + 1_200_000);
    expect((await op("purge", { shard, now_ms: T0 + 600_000 })).ok).toBe(1); // s3 swept, s4 kept
    expect((await take("s4")).ok).toEqual({ Taken: "client_id=c1" });
  });
});
