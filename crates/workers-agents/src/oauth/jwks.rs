//! JSON Web Keys (RFC 7517, RFC 7518 §6): the public RSA and P-256 keys of
//! a JWK Set (`{"keys":[…]}`, as identity providers publish at their
//! `jwks_uri`), and the key a token's header selects. Pure.

use serde_json::{Map, Value};

use super::base64::decode_url;
use super::jwt::{JwsAlgorithm, JwtError};

/// Longest JWK Set text accepted, in bytes (64 KiB).
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// Most keys a JWK Set may have.
pub const MAX_JWKS_KEYS: usize = 32;

/// Smallest RSA modulus accepted, in bits (NIST SP 800-131A).
pub const MIN_RSA_BITS: usize = 2048;

/// A public key's parameters, base64url as in the JWK (what Web Crypto imports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// An RSA key: modulus and exponent.
    Rsa {
        /// `n`.
        n: String,
        /// `e`.
        e: String,
    },
    /// An EC key on P-256: the point's coordinates.
    P256 {
        /// `x`.
        x: String,
        /// `y`.
        y: String,
    },
}

impl KeyMaterial {
    /// Whether `alg` signs with a key of this type.
    pub fn fits(&self, alg: JwsAlgorithm) -> bool {
        matches!(
            (self, alg),
            (KeyMaterial::Rsa { .. }, JwsAlgorithm::Rs256) | (KeyMaterial::P256 { .. }, JwsAlgorithm::Es256)
        )
    }
}

/// A public key of a JWK Set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// `kid`, if it has one.
    pub kid: Option<String>,
    /// `alg`, if it names one: the key is then used for that algorithm only.
    pub alg: Option<JwsAlgorithm>,
    /// The key itself.
    pub material: KeyMaterial,
}

impl PublicJwk {
    /// Reads one JWK. `Ok(None)` for a key that is not for verifying
    /// signatures here (another `kty` or curve, `use` other than `sig`, an
    /// `alg` not supported): a key set may hold those, and they are skipped.
    /// A private key, or a key of a supported type with missing or malformed
    /// parameters, is an error.
    pub fn from_json(key: &Map<String, Value>) -> Result<Option<PublicJwk>, JwtError> {
        let bad = |why: &str| Err(JwtError::Config(why.to_owned()));
        let text = |name: &str| key.get(name).and_then(Value::as_str);
        if ["d", "p", "q", "dp", "dq", "qi", "k"].iter().any(|m| key.contains_key(*m)) {
            return bad("the key set holds a private or secret key; configure the public keys only");
        }
        if key.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
            return Ok(None);
        }
        let alg = match key.get("alg") {
            None => None,
            Some(Value::String(name)) => match JwsAlgorithm::from_name(name) {
                Some(alg) => Some(alg),
                None => return Ok(None),
            },
            Some(_) => return bad("a key's alg is not a string"),
        };
        let kid = match key.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return bad("a key's kid is not a string"),
        };
        let b64 = |name: &str| -> Result<(String, usize), JwtError> {
            let value = text(name).ok_or_else(|| JwtError::Config(format!("a key has no {name:?}")))?;
            let bytes =
                decode_url(value).ok_or_else(|| JwtError::Config(format!("a key's {name:?} is not base64url")))?;
            Ok((value.to_owned(), bytes.len()))
        };
        let material = match text("kty") {
            Some("RSA") => {
                let (n, n_len) = b64("n")?;
                let (e, _) = b64("e")?;
                if n_len * 8 < MIN_RSA_BITS {
                    return bad("an RSA key is shorter than 2048 bits");
                }
                KeyMaterial::Rsa { n, e }
            }
            Some("EC") if text("crv") == Some("P-256") => {
                let (x, x_len) = b64("x")?;
                let (y, y_len) = b64("y")?;
                if x_len != 32 || y_len != 32 {
                    return bad("a P-256 key's coordinates are not 32 bytes");
                }
                KeyMaterial::P256 { x, y }
            }
            Some(_) => return Ok(None),
            None => return bad("a key has no kty"),
        };
        if alg.is_some_and(|alg| !material.fits(alg)) {
            return bad("a key's alg does not fit its kty");
        }
        Ok(Some(PublicJwk { kid, alg, material }))
    }
}

/// The verifying keys of a JWK Set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicJwk>,
}

impl KeySet {
    /// Reads a JWK Set: `{"keys":[…]}` (or a single JWK object). Keys of
    /// other types are skipped; a set with no usable key is an error, as is
    /// a private key in it.
    pub fn from_json(text: &str) -> Result<KeySet, JwtError> {
        let config = |why: String| JwtError::Config(why);
        if text.len() > MAX_JWKS_BYTES {
            return Err(config(format!("the key set is more than {MAX_JWKS_BYTES} bytes")));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| config(format!("the key set is not JSON: {e}")))?;
        let items = match &value {
            Value::Object(set) if set.contains_key("keys") => match &set["keys"] {
                Value::Array(items) => items.iter().collect::<Vec<_>>(),
                _ => return Err(config("\"keys\" is not an array".into())),
            },
            Value::Object(_) => vec![&value],
            _ => return Err(config("the key set is not a JSON object".into())),
        };
        if items.len() > MAX_JWKS_KEYS {
            return Err(config(format!("the key set has more than {MAX_JWKS_KEYS} keys")));
        }
        let mut keys = Vec::new();
        for item in items {
            let key = item.as_object().ok_or_else(|| config("a key is not a JSON object".into()))?;
            keys.extend(PublicJwk::from_json(key)?);
        }
        if keys.is_empty() {
            return Err(config("the key set has no RSA or P-256 signing key".into()));
        }
        Ok(KeySet { keys })
    }

    /// The keys, in the set's order.
    pub fn keys(&self) -> &[PublicJwk] {
        &self.keys
    }

    /// The key for a token signed with `alg` whose header names `kid`: the
    /// key with that `kid` (one of its type, if several share it); without
    /// a `kid`, the only key that fits `alg`.
    pub fn select(&self, alg: JwsAlgorithm, kid: Option<&str>) -> Result<&PublicJwk, JwtError> {
        let fits = |k: &&PublicJwk| k.material.fits(alg) && k.alg.is_none_or(|a| a == alg);
        match kid {
            Some(kid) => {
                let mut named = self.keys.iter().filter(|k| k.kid.as_deref() == Some(kid)).peekable();
                if named.peek().is_none() {
                    return Err(JwtError::UnknownKey(Some(kid.to_owned())));
                }
                named.find(fits).ok_or(JwtError::KeyMismatch(alg))
            }
            None => {
                let mut fitting = self.keys.iter().filter(fits);
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Ok(key),
                    _ => Err(JwtError::UnknownKey(None)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::base64::encode_url;
    use serde_json::json;

    fn rsa(kid: &str) -> Value {
        json!({ "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": encode_url(&[0xc5; 256]), "e": "AQAB" })
    }

    fn ec(kid: &str) -> Value {
        json!({ "kty": "EC", "crv": "P-256", "kid": kid, "x": encode_url(&[1; 32]), "y": encode_url(&[2; 32]) })
    }

    fn set(keys: Vec<Value>) -> Result<KeySet, JwtError> {
        KeySet::from_json(&json!({ "keys": keys }).to_string())
    }

    fn with(mut key: Value, changes: Value) -> Value {
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                key.as_object_mut().unwrap().remove(k);
            } else {
                key[k] = v.clone();
            }
        }
        key
    }

    #[test]
    fn reads_rsa_and_ec_keys_and_skips_others() {
        let keys = set(vec![
            rsa("r1"),
            ec("e1"),
            json!({ "kty": "OKP", "crv": "Ed25519", "x": "AA" }),
            with(ec("e384"), json!({ "crv": "P-384" })),
            with(rsa("enc"), json!({ "use": "enc" })),
            with(rsa("ps"), json!({ "alg": "PS256" })),
        ])
        .unwrap();
        let kids: Vec<_> = keys.keys().iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kids, ["r1", "e1"]);
        assert_eq!(keys.keys()[0].alg, Some(JwsAlgorithm::Rs256));
        assert!(matches!(keys.keys()[1].material, KeyMaterial::P256 { .. }));
        // A single JWK is a set of one.
        assert_eq!(KeySet::from_json(&ec("solo").to_string()).unwrap().keys().len(), 1);
    }

    #[test]
    fn refuses_unusable_key_sets() {
        let config = |r: Result<KeySet, JwtError>| match r {
            Err(JwtError::Config(why)) => why,
            other => panic!("{other:?}"),
        };
        assert!(config(KeySet::from_json("not json")).contains("not JSON"));
        assert!(config(KeySet::from_json("[]")).contains("not a JSON object"));
        assert!(config(KeySet::from_json(r#"{"keys":{}}"#)).contains("not an array"));
        assert!(config(set(vec![])).contains("no RSA or P-256"));
        assert!(config(set(vec![json!({ "kty": "oct" })])).contains("no RSA or P-256")); // skipped, so none left
        assert!(config(set(vec![json!({ "kty": "oct", "k": "c2VjcmV0" })])).contains("private or secret"));
        assert!(config(set(vec![with(rsa("r"), json!({ "d": "AQAB" }))])).contains("private"));
        assert!(config(set(vec![json!(1)])).contains("not a JSON object"));
        assert!(config(set(vec![with(rsa("r"), json!({ "kty": null }))])).contains("no kty"));
        assert!(config(set(vec![with(rsa("r"), json!({ "n": null }))])).contains("no \"n\""));
        assert!(config(set(vec![with(rsa("r"), json!({ "e": "AQ+B" }))])).contains("not base64url"));
        assert!(config(set(vec![with(rsa("r"), json!({ "n": encode_url(&[0xc5; 128]) }))])).contains("2048"));
        assert!(config(set(vec![with(ec("e"), json!({ "x": encode_url(&[1; 31]) }))])).contains("32 bytes"));
        assert!(config(set(vec![with(ec("e"), json!({ "alg": "RS256" }))])).contains("does not fit"));
        assert!(config(set(vec![with(ec("e"), json!({ "kid": 7 }))])).contains("kid"));
        assert!(config(set((0..=MAX_JWKS_KEYS).map(|i| ec(&i.to_string())).collect())).contains("more than"));
        let huge = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(MAX_JWKS_BYTES));
        assert!(config(KeySet::from_json(&huge)).contains("bytes"));
    }

    #[test]
    fn selects_by_kid_and_type() {
        let keys = set(vec![rsa("r1"), rsa("r2"), ec("e1")]).unwrap();
        assert_eq!(keys.select(JwsAlgorithm::Rs256, Some("r2")).unwrap().kid.as_deref(), Some("r2"));
        assert_eq!(keys.select(JwsAlgorithm::Es256, Some("e1")).unwrap().kid.as_deref(), Some("e1"));
        assert_eq!(keys.select(JwsAlgorithm::Rs256, Some("r9")), Err(JwtError::UnknownKey(Some("r9".into()))));
        // An RS256 header naming an EC key, and the other way round.
        assert_eq!(keys.select(JwsAlgorithm::Rs256, Some("e1")), Err(JwtError::KeyMismatch(JwsAlgorithm::Rs256)));
        assert_eq!(keys.select(JwsAlgorithm::Es256, Some("r1")), Err(JwtError::KeyMismatch(JwsAlgorithm::Es256)));
        // No kid: only when exactly one key fits.
        assert_eq!(keys.select(JwsAlgorithm::Es256, None).unwrap().kid.as_deref(), Some("e1"));
        assert_eq!(keys.select(JwsAlgorithm::Rs256, None), Err(JwtError::UnknownKey(None)));
        // A key that names its alg is not used for another, even of its type.
        let pinned = set(vec![with(ec("e"), json!({ "alg": "ES256" }))]).unwrap();
        assert!(pinned.select(JwsAlgorithm::Es256, Some("e")).is_ok());
        // Two keys sharing a kid: the one of the header's type.
        let shared = set(vec![ec("k"), with(rsa("k"), json!({}))]).unwrap();
        assert!(matches!(shared.select(JwsAlgorithm::Rs256, Some("k")).unwrap().material, KeyMaterial::Rsa { .. }));
        assert!(matches!(shared.select(JwsAlgorithm::Es256, Some("k")).unwrap().material, KeyMaterial::P256 { .. }));
    }
}
