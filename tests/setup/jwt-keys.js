// The test identity provider's signing keys for the bring-your-own-provider
// tests (tests/workers/oauth-jwt.test.js): made afresh each time the config
// is loaded, so no key is committed. vitest.config.js gives the fixture the
// public JWK Set (JWT_JWKS) with the issuer and audience, and hands the
// private JWKs to the tests (`inject("jwtKeys")`), which sign inside workerd.
import { generateKeyPairSync } from "node:crypto";

export const JWT_ISSUER = "https://idp.test/";
export const JWT_AUDIENCE = "https://fixture/secure";

function pair(kid, type, options) {
  const { publicKey, privateKey } = generateKeyPairSync(type, options);
  return {
    public: { ...publicKey.export({ format: "jwk" }), kid, use: "sig" },
    private: { ...privateKey.export({ format: "jwk" }), kid },
  };
}

const rsa = pair("rsa-1", "rsa", { modulusLength: 2048 });
const ec = pair("ec-1", "ec", { namedCurve: "P-256" });

/** The public JWK Set, as an issuer publishes it at its jwks_uri. */
export const JWT_JWKS = JSON.stringify({ keys: [rsa.public, { ...ec.public, alg: "ES256" }] });

/** The private keys, for the tests only. */
export const JWT_PRIVATE_KEYS = { rsa: rsa.private, ec: ec.private };
