//! JSON Web Tokens (RFC 7519) signed by another authorization server: the
//! compact JWS (RFC 7515) split and decoded, its header checked against the
//! algorithms allowed, and its claims against the issuer, the audience and
//! the clock. Pure; the signature itself is Web Crypto's
//! ([`JwtVerifier`](super::JwtVerifier) puts the steps together).

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use super::base64::decode_url;
use super::scope::{parse_scope, Scope};
use crate::Auth;

/// Longest token accepted, in bytes (16 KiB): far above what identity
/// providers issue (1–2 KiB), small enough that nothing about a hostile one
/// costs much.
pub const MAX_JWT_BYTES: usize = 16 * 1024;

/// Deepest nesting of arrays and objects allowed in a token's header or
/// claims (the claims object itself is level 1).
pub const MAX_JWT_JSON_DEPTH: usize = 16;

/// Clock skew tolerated by default when checking `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// A signature algorithm a token may name in its `alg` header (RFC 7518).
///
/// Only asymmetric ones: a token signed with a shared secret (`HS256`)
/// could be forged by anyone holding the secret, and `none` is no
/// signature; both are refused whatever is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (what Auth0, WorkOS and most others sign with).
    Rs256,
    /// ECDSA on P-256 with SHA-256 (the signature is `r || s`, 64 bytes).
    Es256,
}

impl JwsAlgorithm {
    /// Every algorithm supported, the default list allowed.
    pub const ALL: [JwsAlgorithm; 2] = [JwsAlgorithm::Rs256, JwsAlgorithm::Es256];

    /// The name in a JOSE header.
    pub fn name(self) -> &'static str {
        match self {
            JwsAlgorithm::Rs256 => "RS256",
            JwsAlgorithm::Es256 => "ES256",
        }
    }

    /// The algorithm a header names, if it is a supported one.
    pub fn from_name(name: &str) -> Option<JwsAlgorithm> {
        JwsAlgorithm::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The part of a compact JWS a decoding error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsPart {
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for JwsPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JwsPart::Header => "header",
            JwsPart::Payload => "payload",
            JwsPart::Signature => "signature",
        })
    }
}

/// Why a token, or a verifier's configuration, was refused. The texts name
/// the rule broken and never hold the token, a signature or key material.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is longer than [`MAX_JWT_BYTES`].
    TooLarge {
        /// Its length in bytes.
        bytes: usize,
    },
    /// Not three base64url parts separated by dots.
    NotCompact,
    /// A part is not unpadded base64url.
    BadBase64(JwsPart),
    /// A part is not a JSON object (or is nested deeper than [`MAX_JWT_JSON_DEPTH`]).
    BadJson(JwsPart, String),
    /// The header names no algorithm this crate verifies (`none`, `HS256`, …).
    UnsupportedAlgorithm(String),
    /// A supported algorithm the verifier was not configured to accept.
    AlgorithmNotAllowed(JwsAlgorithm),
    /// The header has `crit` (extensions that must be understood; none are).
    CriticalHeader,
    /// No configured key has the header's `kid` (or, without a `kid`, the key
    /// set has more than one key that fits).
    UnknownKey(Option<String>),
    /// The key the `kid` names is not of the header algorithm's type (an RSA
    /// algorithm on an EC key, or the key's own `alg` differs).
    KeyMismatch(JwsAlgorithm),
    /// The signature does not verify with the key.
    BadSignature,
    /// `iss` is missing or not the configured issuer.
    WrongIssuer,
    /// `aud` is missing or does not contain the configured audience.
    WrongAudience,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is still in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// A claim that must be present is missing.
    MissingClaim(String),
    /// A claim has the wrong type or form.
    BadClaim(String),
    /// The verifier's configuration (its key set, issuer or audience) is unusable.
    Config(String),
    /// Web Crypto failed (for example a key it cannot import).
    Crypto(String),
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::TooLarge { bytes } => {
                write!(f, "token is {bytes} bytes, more than the {MAX_JWT_BYTES} allowed")
            }
            JwtError::NotCompact => f.write_str("token is not a compact JWS (three base64url parts separated by dots)"),
            JwtError::BadBase64(part) => write!(f, "token {part} is not unpadded base64url"),
            JwtError::BadJson(part, why) => write!(f, "token {part} is not a JSON object: {why}"),
            JwtError::UnsupportedAlgorithm(alg) => write!(f, "token algorithm {alg:?} is not supported"),
            JwtError::AlgorithmNotAllowed(alg) => write!(f, "token algorithm {alg} is not allowed"),
            JwtError::CriticalHeader => f.write_str("token header has crit extensions, which are not supported"),
            JwtError::UnknownKey(Some(kid)) => write!(f, "no key with kid {kid:?}"),
            JwtError::UnknownKey(None) => f.write_str("token has no kid and no single key fits it"),
            JwtError::KeyMismatch(alg) => write!(f, "the key selected is not a key for {alg}"),
            JwtError::BadSignature => f.write_str("token signature is invalid"),
            JwtError::WrongIssuer => f.write_str("token issuer is not the one configured"),
            JwtError::WrongAudience => f.write_str("token audience does not include the one configured"),
            JwtError::Expired => f.write_str("token has expired"),
            JwtError::NotYetValid => f.write_str("token is not valid yet (nbf)"),
            JwtError::IssuedInFuture => f.write_str("token is issued in the future (iat)"),
            JwtError::MissingClaim(name) => write!(f, "token has no {name:?} claim"),
            JwtError::BadClaim(why) => write!(f, "token claim {why}"),
            JwtError::Config(why) => write!(f, "JWT verifier configuration: {why}"),
            JwtError::Crypto(why) => write!(f, "JWT signature check failed: {why}"),
        }
    }
}

impl std::error::Error for JwtError {}

/// A compact JWS taken apart, its signature not yet checked.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    /// The header's algorithm (one of those allowed).
    pub(crate) alg: JwsAlgorithm,
    /// The header's key id.
    pub(crate) kid: Option<String>,
    /// The claims object.
    pub(crate) claims: Map<String, Value>,
    /// What was signed: `header.payload` as it appears in the token.
    pub(crate) signing_input: &'a str,
    /// The signature's bytes.
    pub(crate) signature: Vec<u8>,
}

/// How deep `value` nests (a scalar is 0, `{}` is 1).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A base64url part decoded as a JSON object.
fn object(part: JwsPart, text: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = decode_url(text).ok_or(JwtError::BadBase64(part))?;
    // serde_json stops at 128 levels itself, so `depth` below is bounded.
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| JwtError::BadJson(part, e.to_string()))?;
    if depth(&value) > MAX_JWT_JSON_DEPTH {
        return Err(JwtError::BadJson(part, format!("nested deeper than {MAX_JWT_JSON_DEPTH} levels")));
    }
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JwtError::BadJson(part, "not an object".into())),
    }
}

/// Splits and decodes `token`, and checks its header: an algorithm in
/// `allowed`, no `crit`, a string `kid` if any. The signature is not checked.
pub(crate) fn decode<'a>(token: &'a str, allowed: &[JwsAlgorithm]) -> Result<Jws<'a>, JwtError> {
    if token.len() > MAX_JWT_BYTES {
        return Err(JwtError::TooLarge { bytes: token.len() });
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::NotCompact);
    };
    let head = object(JwsPart::Header, header)?;
    let alg = match head.get("alg") {
        Some(Value::String(name)) => {
            JwsAlgorithm::from_name(name).ok_or_else(|| JwtError::UnsupportedAlgorithm(name.clone()))?
        }
        Some(_) => return Err(JwtError::BadJson(JwsPart::Header, "alg is not a string".into())),
        None => return Err(JwtError::BadJson(JwsPart::Header, "no alg".into())),
    };
    if !allowed.contains(&alg) {
        return Err(JwtError::AlgorithmNotAllowed(alg));
    }
    if head.contains_key("crit") {
        return Err(JwtError::CriticalHeader);
    }
    let kid = match head.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(JwtError::BadJson(JwsPart::Header, "kid is not a string".into())),
    };
    let claims = object(JwsPart::Payload, payload)?;
    let signature = decode_url(signature).ok_or(JwtError::BadBase64(JwsPart::Signature))?;
    if alg == JwsAlgorithm::Es256 && signature.len() != 64 {
        // JWS ES256 is r || s; a DER-encoded signature is not one.
        return Err(JwtError::BadSignature);
    }
    Ok(Jws { alg, kid, claims, signing_input: &token[..header.len() + 1 + payload.len()], signature })
}

/// What the claims of a token must say, and how its identity is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimRules {
    /// `iss` must equal it.
    pub(crate) issuer: String,
    /// `aud` (a string or an array) must contain it.
    pub(crate) audience: String,
    /// Clock skew tolerated for `exp`, `nbf`, `iat`.
    pub(crate) leeway: Duration,
    /// The claim that names the user (`sub` by default).
    pub(crate) user_claim: String,
}

/// A NumericDate claim (seconds since the epoch, possibly fractional) in
/// milliseconds, if present.
fn date_ms(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64().map(|s| s * 1000.0)),
        Some(_) => Err(JwtError::BadClaim(format!("{name:?} is not a number"))),
    }
}

/// Checks the claims against `rules` at `now_ms` (Unix milliseconds).
pub(crate) fn check_claims(claims: &Map<String, Value>, rules: &ClaimRules, now_ms: i64) -> Result<(), JwtError> {
    if claims.get("iss").and_then(Value::as_str) != Some(rules.issuer.as_str()) {
        return Err(JwtError::WrongIssuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => *aud == rules.audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(rules.audience.as_str())),
        _ => false,
    };
    if !audience_ok {
        return Err(JwtError::WrongAudience);
    }
    let now = now_ms as f64;
    let leeway = rules.leeway.as_millis() as f64;
    let exp = date_ms(claims, "exp")?.ok_or_else(|| JwtError::MissingClaim("exp".into()))?;
    if now >= exp + leeway {
        return Err(JwtError::Expired);
    }
    if date_ms(claims, "nbf")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(JwtError::NotYetValid);
    }
    if date_ms(claims, "iat")?.is_some_and(|iat| iat > now + leeway) {
        return Err(JwtError::IssuedInFuture);
    }
    Ok(())
}

/// The scope a token grants: `scope` (space-separated, RFC 8693/9068), else
/// `scp` (an array, or a string, as Okta and Azure write it), else none.
fn scope_of(claims: &Map<String, Value>) -> Result<Scope, JwtError> {
    let bad = |why: String| JwtError::BadClaim(why);
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(text)), _) => parse_scope(text).map_err(|e| bad(format!("\"scope\": {e}"))),
        (Some(_), _) => Err(bad("\"scope\" is not a string".into())),
        (None, Some(Value::String(text))) => parse_scope(text).map_err(|e| bad(format!("\"scp\": {e}"))),
        (None, Some(Value::Array(items))) => {
            let words: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let words = words.ok_or_else(|| bad("\"scp\" has an item that is not a string".into()))?;
            if words.iter().any(|w| w.is_empty() || w.contains(' ')) {
                return Err(bad("\"scp\" has an item that is not one scope token".into()));
            }
            parse_scope(&words.join(" ")).map_err(|e| bad(format!("\"scp\": {e}")))
        }
        (None, Some(_)) => Err(bad("\"scp\" is neither a string nor an array".into())),
        (None, None) => Ok(Vec::new()),
    }
}

/// The [`Auth`] checked claims speak for: the user from `user_claim`, the
/// client from `client_id` (RFC 9068) or `azp`, the scope, and every claim
/// as the props. No grant id: the grant is the other server's.
pub(crate) fn auth_from_claims(claims: Map<String, Value>, user_claim: &str) -> Result<Auth, JwtError> {
    let user_id = match claims.get(user_claim) {
        Some(Value::String(user)) if !user.is_empty() => user.clone(),
        Some(Value::String(_)) => return Err(JwtError::BadClaim(format!("{user_claim:?} is empty"))),
        Some(_) => return Err(JwtError::BadClaim(format!("{user_claim:?} is not a string"))),
        None => return Err(JwtError::MissingClaim(user_claim.to_owned())),
    };
    let client_id = ["client_id", "azp"]
        .iter()
        .find_map(|name| claims.get(*name).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    let scope = scope_of(&claims)?;
    Ok(Auth { user_id, client_id, scope, props: Value::Object(claims), grant_id: String::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::base64::encode_url;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000_000;
    const NOW_S: i64 = NOW / 1000;

    fn part(value: &Value) -> String {
        encode_url(value.to_string().as_bytes())
    }

    fn token(header: Value, claims: Value, signature: &[u8]) -> String {
        format!("{}.{}.{}", part(&header), part(&claims), encode_url(signature))
    }

    fn rs(claims: Value) -> String {
        token(json!({ "alg": "RS256", "kid": "k1", "typ": "JWT" }), claims, &[7; 256])
    }

    fn rules() -> ClaimRules {
        ClaimRules {
            issuer: "https://idp.example/".into(),
            audience: "https://api.example/mcp".into(),
            leeway: DEFAULT_LEEWAY,
            user_claim: "sub".into(),
        }
    }

    fn good_claims() -> Value {
        json!({
            "iss": "https://idp.example/", "aud": "https://api.example/mcp", "sub": "auth0|ada",
            "exp": NOW_S + 600, "iat": NOW_S - 10, "nbf": NOW_S - 10,
        })
    }

    fn claims_with(changes: Value) -> Map<String, Value> {
        let mut claims = good_claims().as_object().unwrap().clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                claims.remove(k);
            } else {
                claims.insert(k.clone(), v.clone());
            }
        }
        claims
    }

    #[test]
    fn decodes_a_compact_jws() {
        let text = rs(good_claims());
        let jws = decode(&text, &JwsAlgorithm::ALL).unwrap();
        assert_eq!(jws.alg, JwsAlgorithm::Rs256);
        assert_eq!(jws.kid.as_deref(), Some("k1"));
        assert_eq!(jws.claims["sub"], "auth0|ada");
        assert_eq!(jws.signature, vec![7; 256]);
        assert_eq!(jws.signing_input, &text[..text.rfind('.').unwrap()]);
        let es = token(json!({ "alg": "ES256" }), good_claims(), &[1; 64]);
        let jws = decode(&es, &JwsAlgorithm::ALL).unwrap();
        assert_eq!((jws.alg, jws.kid), (JwsAlgorithm::Es256, None));
    }

    #[test]
    fn refuses_malformed_tokens() {
        let good = rs(good_claims());
        let (header, rest) = good.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let cases: Vec<(String, JwtError)> = vec![
            ("".into(), JwtError::NotCompact),
            (format!("{header}.{payload}"), JwtError::NotCompact),
            (format!("{good}.x"), JwtError::NotCompact),
            (format!("{header}=.{payload}.{signature}"), JwtError::BadBase64(JwsPart::Header)),
            (format!("{header}.{payload}+.{signature}"), JwtError::BadBase64(JwsPart::Payload)),
            (format!("{header}.{payload}.{signature}*"), JwtError::BadBase64(JwsPart::Signature)),
            (format!("{header}.{payload}.a"), JwtError::BadBase64(JwsPart::Signature)),
            (
                format!("{}.{payload}.{signature}", encode_url(b"{\"alg\":")),
                JwtError::BadJson(JwsPart::Header, String::new()),
            ),
            (
                format!("{}.{payload}.{signature}", part(&json!(["RS256"]))),
                JwtError::BadJson(JwsPart::Header, String::new()),
            ),
            (
                format!("{header}.{}.{signature}", part(&json!([good_claims()]))),
                JwtError::BadJson(JwsPart::Payload, String::new()),
            ),
            (
                format!("{header}.{}.{signature}", part(&json!("ada"))),
                JwtError::BadJson(JwsPart::Payload, String::new()),
            ),
            (
                format!("{header}.{}.{signature}", encode_url(b"not json")),
                JwtError::BadJson(JwsPart::Payload, String::new()),
            ),
        ];
        for (text, expected) in cases {
            let got = decode(&text, &JwsAlgorithm::ALL).unwrap_err();
            match (&got, &expected) {
                (JwtError::BadJson(a, _), JwtError::BadJson(b, _)) => assert_eq!(a, b, "{text}: {got}"),
                _ => assert_eq!(got, expected, "{text}"),
            }
        }
    }

    #[test]
    fn refuses_algorithms_that_are_not_allowed() {
        let claims = good_claims();
        let with = |header: Value| decode(&token(header, claims.clone(), &[1; 64]), &JwsAlgorithm::ALL).map(|j| j.alg);
        assert_eq!(with(json!({ "alg": "none" })), Err(JwtError::UnsupportedAlgorithm("none".into())));
        assert_eq!(with(json!({ "alg": "HS256" })), Err(JwtError::UnsupportedAlgorithm("HS256".into())));
        assert_eq!(with(json!({ "alg": "rs256" })), Err(JwtError::UnsupportedAlgorithm("rs256".into())));
        assert!(matches!(with(json!({ "typ": "JWT" })), Err(JwtError::BadJson(JwsPart::Header, _))));
        assert!(matches!(with(json!({ "alg": ["RS256"] })), Err(JwtError::BadJson(JwsPart::Header, _))));
        assert!(matches!(with(json!({ "alg": "RS256", "kid": 1 })), Err(JwtError::BadJson(JwsPart::Header, _))));
        assert_eq!(with(json!({ "alg": "RS256", "crit": ["b64"], "b64": false })), Err(JwtError::CriticalHeader));
        // An unsigned token with an empty signature is refused for its alg, before anything else.
        let unsigned = format!("{}.{}.", part(&json!({ "alg": "none" })), part(&claims));
        assert_eq!(decode(&unsigned, &JwsAlgorithm::ALL).unwrap_err(), JwtError::UnsupportedAlgorithm("none".into()));
        // Supported, but not configured.
        let es = token(json!({ "alg": "ES256" }), claims.clone(), &[1; 64]);
        assert_eq!(
            decode(&es, &[JwsAlgorithm::Rs256]).unwrap_err(),
            JwtError::AlgorithmNotAllowed(JwsAlgorithm::Es256)
        );
        assert_eq!(decode(&rs(claims.clone()), &[]).unwrap_err(), JwtError::AlgorithmNotAllowed(JwsAlgorithm::Rs256));
        // ES256 signatures are 64 bytes (r || s), not DER.
        let der = token(json!({ "alg": "ES256" }), claims, &[0x30; 71]);
        assert_eq!(decode(&der, &JwsAlgorithm::ALL).unwrap_err(), JwtError::BadSignature);
    }

    #[test]
    fn bounds_size_and_depth() {
        let padding = "x".repeat(MAX_JWT_BYTES);
        let big = rs(json!({ "sub": "ada", "pad": padding }));
        assert_eq!(decode(&big, &JwsAlgorithm::ALL).unwrap_err(), JwtError::TooLarge { bytes: big.len() });
        let exact = format!("{}.{}.", part(&json!({ "alg": "RS256" })), "A".repeat(MAX_JWT_BYTES));
        assert!(!matches!(decode(&exact[..MAX_JWT_BYTES], &JwsAlgorithm::ALL), Err(JwtError::TooLarge { .. })));
        let mut deep = json!("leaf");
        for _ in 0..MAX_JWT_JSON_DEPTH {
            deep = json!([deep]);
        }
        // The claims object is one level, so this is one too many.
        let err = decode(&rs(json!({ "sub": "ada", "deep": deep.clone() })), &JwsAlgorithm::ALL).unwrap_err();
        assert!(matches!(&err, JwtError::BadJson(JwsPart::Payload, why) if why.contains("deeper")), "{err}");
        assert!(decode(&rs(json!({ "deep": deep[0].clone() })), &JwsAlgorithm::ALL).is_ok());
        let header = json!({ "alg": "RS256", "x": deep });
        let err = decode(&token(header, good_claims(), &[1]), &JwsAlgorithm::ALL).unwrap_err();
        assert!(matches!(err, JwtError::BadJson(JwsPart::Header, _)));
    }

    #[test]
    fn accepts_good_claims() {
        assert_eq!(check_claims(&claims_with(json!({})), &rules(), NOW), Ok(()));
        // aud as an array containing ours; nbf and iat are optional.
        let claims = claims_with(json!({ "aud": ["other", "https://api.example/mcp"], "nbf": null, "iat": null }));
        assert_eq!(check_claims(&claims, &rules(), NOW), Ok(()));
        // Fractional NumericDates.
        assert_eq!(check_claims(&claims_with(json!({ "exp": NOW_S as f64 + 0.5 })), &rules(), NOW), Ok(()));
    }

    #[test]
    fn checks_issuer_and_audience() {
        let check = |changes: Value| check_claims(&claims_with(changes), &rules(), NOW);
        assert_eq!(check(json!({ "iss": "https://evil.example/" })), Err(JwtError::WrongIssuer));
        assert_eq!(check(json!({ "iss": "https://idp.example" })), Err(JwtError::WrongIssuer)); // exact, no normalizing
        assert_eq!(check(json!({ "iss": null })), Err(JwtError::WrongIssuer));
        assert_eq!(check(json!({ "iss": ["https://idp.example/"] })), Err(JwtError::WrongIssuer));
        assert_eq!(check(json!({ "aud": null })), Err(JwtError::WrongAudience));
        assert_eq!(check(json!({ "aud": "https://api.example/other" })), Err(JwtError::WrongAudience));
        assert_eq!(check(json!({ "aud": "https://api.example/mcp/" })), Err(JwtError::WrongAudience));
        assert_eq!(check(json!({ "aud": [] })), Err(JwtError::WrongAudience));
        assert_eq!(check(json!({ "aud": ["a", "b"] })), Err(JwtError::WrongAudience));
        assert_eq!(check(json!({ "aud": [["https://api.example/mcp"]] })), Err(JwtError::WrongAudience));
        assert_eq!(check(json!({ "aud": 1 })), Err(JwtError::WrongAudience));
    }

    #[test]
    fn checks_times_with_leeway() {
        let check = |changes: Value| check_claims(&claims_with(changes), &rules(), NOW);
        assert_eq!(check(json!({ "exp": null })), Err(JwtError::MissingClaim("exp".into())));
        assert_eq!(check(json!({ "exp": "soon" })), Err(JwtError::BadClaim("\"exp\" is not a number".into())));
        // Expired 61 s ago: beyond the 60 s leeway; 59 s ago: within it; exactly 60 s: expired.
        assert_eq!(check(json!({ "exp": NOW_S - 61 })), Err(JwtError::Expired));
        assert_eq!(check(json!({ "exp": NOW_S - 60 })), Err(JwtError::Expired));
        assert_eq!(check(json!({ "exp": NOW_S - 59 })), Ok(()));
        assert_eq!(check(json!({ "nbf": NOW_S + 61 })), Err(JwtError::NotYetValid));
        assert_eq!(check(json!({ "nbf": NOW_S + 59 })), Ok(()));
        assert_eq!(check(json!({ "nbf": "now" })), Err(JwtError::BadClaim("\"nbf\" is not a number".into())));
        assert_eq!(check(json!({ "iat": NOW_S + 61 })), Err(JwtError::IssuedInFuture));
        assert_eq!(check(json!({ "iat": NOW_S + 59 })), Ok(()));
        // The leeway is the verifier's: none at all, or a larger one.
        let strict = ClaimRules { leeway: Duration::ZERO, ..rules() };
        assert_eq!(check_claims(&claims_with(json!({ "exp": NOW_S })), &strict, NOW), Err(JwtError::Expired));
        assert_eq!(check_claims(&claims_with(json!({ "exp": NOW_S + 1 })), &strict, NOW), Ok(()));
        assert_eq!(check_claims(&claims_with(json!({ "nbf": NOW_S + 1 })), &strict, NOW), Err(JwtError::NotYetValid));
        let loose = ClaimRules { leeway: Duration::from_secs(300), ..rules() };
        assert_eq!(check_claims(&claims_with(json!({ "exp": NOW_S - 200 })), &loose, NOW), Ok(()));
    }

    #[test]
    fn reads_the_user_client_scope_and_props() {
        let auth =
            auth_from_claims(claims_with(json!({ "scope": "read  write read", "azp": "app-1" })), "sub").unwrap();
        assert_eq!(auth.user_id, "auth0|ada");
        assert_eq!(auth.client_id, "app-1");
        assert_eq!(auth.scope, vec!["read", "write"]);
        assert_eq!(auth.props["iss"], "https://idp.example/");
        assert_eq!(auth.grant_id, "");
        let auth = auth_from_claims(claims_with(json!({ "scp": ["read", "admin"], "client_id": "c" })), "sub").unwrap();
        assert_eq!((auth.scope, auth.client_id), (vec!["read".to_owned(), "admin".to_owned()], "c".to_owned()));
        let auth = auth_from_claims(claims_with(json!({ "scp": "read write" })), "sub").unwrap();
        assert_eq!(auth.scope, vec!["read", "write"]);
        // `scope` wins over `scp`; neither: no scope.
        let auth = auth_from_claims(claims_with(json!({ "scope": "a", "scp": ["b"] })), "sub").unwrap();
        assert_eq!(auth.scope, vec!["a"]);
        assert!(auth_from_claims(claims_with(json!({})), "sub").unwrap().scope.is_empty());
        // Another claim names the user.
        let auth = auth_from_claims(claims_with(json!({ "email": "ada@example.com" })), "email").unwrap();
        assert_eq!(auth.user_id, "ada@example.com");
        // Auth0's RBAC permissions are props, so `Auth::has_permission` reads them.
        let auth = auth_from_claims(claims_with(json!({ "permissions": ["admin"] })), "sub").unwrap();
        assert!(auth.has_permission("admin"));
    }

    #[test]
    fn refuses_bad_identity_and_scope_claims() {
        let err = |changes: Value, user: &str| auth_from_claims(claims_with(changes), user).unwrap_err();
        assert_eq!(err(json!({ "sub": null }), "sub"), JwtError::MissingClaim("sub".into()));
        assert_eq!(err(json!({}), "email"), JwtError::MissingClaim("email".into()));
        assert_eq!(err(json!({ "sub": "" }), "sub"), JwtError::BadClaim("\"sub\" is empty".into()));
        assert_eq!(err(json!({ "sub": 42 }), "sub"), JwtError::BadClaim("\"sub\" is not a string".into()));
        for bad in [
            json!({ "scope": ["read"] }),
            json!({ "scope": "read \"x\"" }),
            json!({ "scp": [1] }),
            json!({ "scp": ["read write"] }),
            json!({ "scp": [""] }),
            json!({ "scp": 1 }),
            json!({ "scope": (0..65).map(|i| format!("s{i}")).collect::<Vec<_>>().join(" ") }),
        ] {
            assert!(matches!(err(bad.clone(), "sub"), JwtError::BadClaim(_)), "{bad}");
        }
    }

    #[test]
    fn errors_read_well_and_hold_no_token() {
        let text = rs(good_claims());
        let errors = [
            decode(&format!("{text}.x"), &JwsAlgorithm::ALL).unwrap_err(),
            decode(&token(json!({ "alg": "none" }), good_claims(), &[]), &JwsAlgorithm::ALL).unwrap_err(),
            JwtError::UnknownKey(Some("k9".into())),
            JwtError::Expired,
        ];
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(texts[0], "token is not a compact JWS (three base64url parts separated by dots)");
        assert_eq!(texts[1], "token algorithm \"none\" is not supported");
        assert_eq!(texts[2], "no key with kid \"k9\"");
        assert_eq!(texts[3], "token has expired");
        assert!(texts.iter().all(|t| !t.contains(text.split('.').nth(1).unwrap())));
    }
}
