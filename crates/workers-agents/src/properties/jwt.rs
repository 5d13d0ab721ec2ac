//! JWTs (`oauth/jwt.rs`, `oauth/jwks.rs`): nothing panics on any text or
//! on a token with random edits; a token built from a header and claims
//! decodes back to them, with what was signed as the text before the last dot.

use serde_json::{json, Value};

use super::{check, Rng};
use crate::oauth::base64::encode_url;
use crate::oauth::jwks::KeySet;
use crate::oauth::jwt::{check_claims, decode, ClaimRules, JwsAlgorithm, JwtError, DEFAULT_LEEWAY};

fn claims(rng: &mut Rng) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    for _ in 0..rng.len(6) {
        map.insert(rng.text(6), rng.json(3));
    }
    if rng.one_in(2) {
        map.insert("sub".into(), Value::String(rng.text(10)));
    }
    map
}

fn token(rng: &mut Rng) -> (String, JwsAlgorithm, Option<String>, serde_json::Map<String, Value>) {
    let alg = rng.pick(&JwsAlgorithm::ALL);
    let kid = rng.one_in(2).then(|| rng.text(8));
    let mut header = json!({ "alg": alg.name(), "typ": "JWT" });
    if let Some(kid) = &kid {
        header["kid"] = Value::String(kid.clone());
    }
    let claims = claims(rng);
    let signature = if alg == JwsAlgorithm::Es256 { vec![9; 64] } else { rng.bytes(300) };
    let text = format!(
        "{}.{}.{}",
        encode_url(header.to_string().as_bytes()),
        encode_url(Value::Object(claims.clone()).to_string().as_bytes()),
        encode_url(&signature)
    );
    (text, alg, kid, claims)
}

#[test]
fn a_built_token_decodes_back() {
    check("jwt_round_trip", 2000, |rng| {
        let (text, alg, kid, claims) = token(rng);
        let jws = decode(&text, &JwsAlgorithm::ALL).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!((jws.alg, jws.kid.as_ref()), (alg, kid.as_ref()));
        assert_eq!(jws.claims, claims);
        assert_eq!(jws.signing_input, &text[..text.rfind('.').unwrap()]);
    });
}

#[test]
fn nothing_panics_on_any_text_or_edited_token() {
    let rules =
        ClaimRules { issuer: "i".into(), audience: "a".into(), leeway: DEFAULT_LEEWAY, user_claim: "sub".into() };
    check("jwt_any_text", 3000, |rng| {
        let text = if rng.one_in(3) {
            String::from_utf8_lossy(&rng.bytes(80)).into_owned()
        } else {
            let (text, ..) = token(rng);
            String::from_utf8_lossy(&rng.mutate(text.as_bytes())).into_owned()
        };
        match decode(&text, &JwsAlgorithm::ALL) {
            Ok(jws) => {
                assert!(text.starts_with(jws.signing_input));
                let _ = check_claims(&jws.claims, &rules, rng.range(0, 1 << 42));
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
        let _ = KeySet::from_json(&text);
        let value = rng.json(3);
        let _ = KeySet::from_json(&json!({ "keys": [value] }).to_string());
        let _ = crate::oauth::jwt::auth_from_claims(claims(rng), "sub").map_err(|e: JwtError| e.to_string());
    });
}
