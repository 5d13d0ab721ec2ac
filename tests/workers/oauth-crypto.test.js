// The OAuth provider's Web Crypto helpers, in workerd, against published
// test vectors (FIPS 180-2, RFC 4231, RFC 7636 appendix B), the
// properties AES-GCM must have, and JWS signatures made here by Web Crypto.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const hex = (text) => Buffer.from(text, "utf8").toString("hex");

async function run(op, { key = "", data = "", ...rest } = {}) {
  const res = await SELF.fetch(`https://fixture/crypto/${op}`, {
    method: "POST",
    body: JSON.stringify({ key, data, ...rest }),
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

  it("verifies RS256 and ES256 signatures with a public JWK, and nothing else", async () => {
    const rsa = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    );
    const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const message = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ";
    const data = hex(message);
    const toHex = (buffer) => Buffer.from(buffer).toString("hex");
    const rsaJwk = await crypto.subtle.exportKey("jwk", rsa.publicKey);
    const ecJwk = await crypto.subtle.exportKey("jwk", ec.publicKey);
    const rsaSig = toHex(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", rsa.privateKey, Buffer.from(message)));
    const ecSig = toHex(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ec.privateKey, Buffer.from(message)));
    expect(ecSig.length).toBe(128); // r || s, as JWS ES256 has it

    expect(await run("verify", { alg: "RS256", jwk: rsaJwk, data, sig: rsaSig })).toEqual({ out: true });
    expect(await run("verify", { alg: "ES256", jwk: ecJwk, data, sig: ecSig })).toEqual({ out: true });
    // Another message, a changed signature, another key.
    const other = hex(`${message}x`);
    expect(await run("verify", { alg: "RS256", jwk: rsaJwk, data: other, sig: rsaSig })).toEqual({ out: false });
    expect(await run("verify", { alg: "ES256", jwk: ecJwk, data: other, sig: ecSig })).toEqual({ out: false });
    const flip = (sig) => sig.slice(0, 10) + (sig[10] === "0" ? "1" : "0") + sig.slice(11);
    expect(await run("verify", { alg: "RS256", jwk: rsaJwk, data, sig: flip(rsaSig) })).toEqual({ out: false });
    expect(await run("verify", { alg: "ES256", jwk: ecJwk, data, sig: flip(ecSig) })).toEqual({ out: false });
    const ec2 = await crypto.subtle.exportKey("jwk", (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])).publicKey);
    expect(await run("verify", { alg: "ES256", jwk: ec2, data, sig: ecSig })).toEqual({ out: false });
    // A key of the other type is refused before Web Crypto is asked.
    expect((await run("verify", { alg: "RS256", jwk: ecJwk, data, sig: rsaSig })).error).toMatch(/not a key for RS256/);
    expect((await run("verify", { alg: "ES256", jwk: rsaJwk, data, sig: ecSig })).error).toMatch(/not a key for ES256/);
    // A point that is not on the curve does not import.
    const offCurve = { ...ecJwk, y: ecJwk.x };
    expect((await run("verify", { alg: "ES256", jwk: offCurve, data, sig: ecSig })).error).toMatch(/public key/);
  });
});
