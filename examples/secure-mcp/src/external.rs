//! Tokens of your own identity provider (Auth0, WorkOS, Stytch, …) beside
//! the example's own login: when `JWT_ISSUER`, `JWT_AUDIENCE` and
//! `JWT_JWKS` (the issuer's JWK Set, the JSON at its `jwks_uri`) are set,
//! the provider also accepts that issuer's JWTs for this audience.

use std::rc::Rc;

use serde_json::{json, Value};
use worker::Env;
use workers_agents::oauth::{ExternalToken, JwtVerifier, OAuthProvider};
use workers_agents::Auth;

/// The variables that configure external JWTs (all three, or none).
const VARS: [&str; 3] = ["JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS"];

/// [`provider`](crate::provider), plus the JWTs of the issuer the
/// environment names. With none of the variables set it is `provider()`;
/// with some but not all, or a key set that does not read, it fails (a
/// misconfiguration is loud, never a silently open or closed door).
pub fn provider_for(env: &Env) -> worker::Result<OAuthProvider> {
    let values: Vec<Option<String>> = VARS.iter().map(|name| env.var(name).ok().map(|v| v.to_string())).collect();
    let [Some(issuer), Some(audience), Some(jwks)] = values.as_slice() else {
        if values.iter().any(Option::is_some) {
            return Err(worker::Error::RustError(format!("set all of {} or none", VARS.join(", "))));
        }
        return Ok(crate::provider());
    };
    let verifier =
        JwtVerifier::from_jwks_json(jwks, issuer, audience).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let verifier = Rc::new(verifier);
    Ok(crate::provider().resolve_external_token(move |t: ExternalToken| {
        let verifier = Rc::clone(&verifier);
        async move { Ok(verifier.verify(&t.token, t.now_ms).await.ok().map(props_of_claims)) }
    }))
}

/// The props the example's tools read, as the login page makes them:
/// `user`, and `permissions` from the token's `permissions` claim (Auth0's
/// RBAC). The other claims stay under `claims`.
fn props_of_claims(auth: Auth) -> Auth {
    let permissions = match &auth.props["permissions"] {
        Value::Array(items) => items.iter().filter(|p| p.is_string()).cloned().collect(),
        _ => Vec::new(),
    };
    let props = json!({ "user": auth.user_id, "permissions": permissions, "claims": auth.props });
    Auth { props, ..auth }
}
