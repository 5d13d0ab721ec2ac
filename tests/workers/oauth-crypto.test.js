// The OAuth provider's Web Crypto helpers, in workerd, against published
// test vectors (FIPS 180-2, RFC 4231, RFC 7636 appendix B) and the
// properties AES-GCM must have.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const hex = (text) => Buffer.from(text, "utf8").toString("hex");

async function run(op, { key = "", data = "" } = {}) {
  const res = await SELF.fetch(`https://fixture/crypto/${op}`, {
    method: "POST",
    body: JSON.stringify({ key, data }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe("OAuth crypto (Web Crypto)", () => {
  it("hashes, signs and derives PKCE challenges as the standards say", async () => {
    expect((await run("sha256", { data: hex("abc") })).out).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    // RFC 4231 test case 2.
    expect((await run("hmac", { key: hex("Jefe"), data: hex("what do ya want for nothing?") })).out).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    expect((await run("pkce", { data: hex("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") })).out).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("seals with a fresh nonce, opens with the key only, and refuses any change", async () => {
    const key = "11".repeat(32);
    const data = hex('{"user":"ada","permissions":["admin"]}');
    const a = (await run("seal", { key, data })).out;
    const b = (await run("seal", { key, data })).out;
    expect(a).not.toBe(b); // a fresh nonce each time
    expect(a.length).toBe(data.length + 2 * (12 + 16)); // nonce and tag
    expect((await run("open", { key, data: a })).out).toBe(data);
    expect((await run("open", { key: "22".repeat(32), data: a })).error).toMatch(/does not decrypt/);
    const flipped = a.slice(0, -2) + (a.endsWith("00") ? "01" : "00");
    expect((await run("open", { key, data: flipped })).error).toMatch(/does not decrypt/);
    expect((await run("seal", { key: "11", data })).error).toMatch(/32 bytes/);
  });

  it("makes random tokens from the URL-safe alphabet", async () => {
    const a = (await run("token", { data: "00".repeat(43) })).out;
    const b = (await run("token", { data: "00".repeat(43) })).out;
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
