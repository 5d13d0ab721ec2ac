// JWTs signed in the test (inside workerd, with Web Crypto) by the test
// identity provider's keys (tests/setup/jwt-keys.js), or by any other key.
import { inject } from "vitest";

export const ISSUER = "https://idp.test/";
export const AUDIENCE = "https://fixture/secure";

const encoder = new TextEncoder();

/** Unpadded base64url of bytes. */
export function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Unpadded base64url of a value's JSON. */
export const part = (value) => b64url(encoder.encode(JSON.stringify(value)));

const ALGORITHMS = {
  RS256: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
};

/** The test identity provider's private JWKs: `{ rsa, ec }`. */
export const keys = () => inject("jwtKeys");

/** Signs `header.claims` with `key` (a private JWK or CryptoKey) under `alg`. */
export async function signWith(key, alg, header, claims) {
  const { key: params, sign } = ALGORITHMS[alg];
  const cryptoKey = key instanceof CryptoKey ? key : await crypto.subtle.importKey("jwk", key, params, false, ["sign"]);
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${b64url(await crypto.subtle.sign(sign, cryptoKey, encoder.encode(input)))}`;
}

/** Good claims for `sub`, valid for ten minutes; `extra` adds or replaces claims. */
export function claims(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub, iat: now, nbf: now, exp: now + 600, ...extra };
}

/** A token of the test provider: its RSA key by default, or `{ kind: "ec" }`. */
export async function jwt(sub, extra = {}, { kind = "rsa" } = {}) {
  const key = keys()[kind];
  const alg = kind === "rsa" ? "RS256" : "ES256";
  return signWith(key, alg, { alg, kid: key.kid, typ: "JWT" }, claims(sub, extra));
}
