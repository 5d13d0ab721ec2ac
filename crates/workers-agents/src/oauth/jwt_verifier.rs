//! [`JwtVerifier`]: a JWT from another authorization server (Auth0, WorkOS,
//! Stytch, …) checked against its public keys and turned into an [`Auth`].

use std::time::Duration;

use super::crypto;
use super::jwks::KeySet;
use super::jwt::{self, ClaimRules, JwsAlgorithm, JwtError, DEFAULT_LEEWAY};
use crate::Auth;

/// Verifies access tokens that another authorization server issued as
/// JWTs, with keys configured ahead (its JWK Set, for example from an
/// environment variable; nothing is fetched).
///
/// A token passes when it is at most [`MAX_JWT_BYTES`](super::MAX_JWT_BYTES),
/// its `alg` is one of [`algorithms`](Self::algorithms) (RS256 and ES256 by
/// default; never `none` or a shared-secret algorithm), its `kid` names a key
/// of that type, the signature verifies, `iss` is the issuer, `aud` contains
/// the audience, `exp` is present and not passed, and `nbf` / `iat` are not
/// in the future (each with the [`leeway`](Self::leeway), 60 s by default).
/// The [`Auth`] it gives has the user from `sub` (or
/// [`user_claim`](Self::user_claim)), the client from `client_id` or `azp`,
/// the scope from `scope` or `scp`, and all the claims as props (so Auth0's
/// RBAC `permissions` reach [`Auth::has_permission`]).
///
/// ```
/// use workers_agents::oauth::{JwtVerifier, OAuthProvider};
///
/// # let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",
/// #   "x":"aPjFarJCTr6YyTBuNyw798PISCC7M-kNd9hwhtJa7TQ","y":"5RR9tpFCfuhERe0miRKk8nLIxTd2radER1g31XigC3A"}]}"#;
/// let verifier = JwtVerifier::from_jwks_json(jwks, "https://example.us.auth0.com/", "https://mcp.example.com")?;
/// let provider = OAuthProvider::new().protect("/mcp").external_jwt(verifier);
/// # Ok::<(), workers_agents::oauth::JwtError>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwtVerifier {
    keys: KeySet,
    algorithms: Vec<JwsAlgorithm>,
    rules: ClaimRules,
}

impl JwtVerifier {
    /// A verifier for tokens of `issuer` (compared exactly with `iss`) for
    /// `audience` (which `aud` must contain), signed by a key of the JWK Set
    /// `jwks` (`{"keys":[…]}`, the document at the issuer's `jwks_uri`, or
    /// one JWK). Fails on a set with no RSA (≥ 2048 bits) or P-256 key, on
    /// one holding a private key, and on an empty issuer or audience.
    pub fn from_jwks_json(jwks: &str, issuer: &str, audience: &str) -> Result<JwtVerifier, JwtError> {
        if issuer.is_empty() || audience.is_empty() {
            return Err(JwtError::Config("the issuer and the audience must not be empty".into()));
        }
        Ok(JwtVerifier {
            keys: KeySet::from_json(jwks)?,
            algorithms: JwsAlgorithm::ALL.to_vec(),
            rules: ClaimRules {
                issuer: issuer.to_owned(),
                audience: audience.to_owned(),
                leeway: DEFAULT_LEEWAY,
                user_claim: "sub".into(),
            },
        })
    }

    /// The algorithms accepted (default: all of [`JwsAlgorithm::ALL`]).
    pub fn algorithms(mut self, algorithms: &[JwsAlgorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// The claim that names the user (default `sub`; for example `email`).
    pub fn user_claim(mut self, claim: &str) -> Self {
        self.rules.user_claim = claim.to_owned();
        self
    }

    /// The clock skew tolerated for `exp`, `nbf` and `iat` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.rules.leeway = leeway;
        self
    }

    /// The keys configured.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Checks `token` at `now_ms` (Unix milliseconds): who it speaks for,
    /// or why not. The signature is checked before any claim, so claim
    /// errors are only ever about tokens the issuer signed.
    pub async fn verify(&self, token: &str, now_ms: i64) -> Result<Auth, JwtError> {
        let jws = jwt::decode(token, &self.algorithms)?;
        let key = self.keys.select(jws.alg, jws.kid.as_deref())?;
        let valid = crypto::verify_signature(jws.alg, &key.material, jws.signing_input.as_bytes(), &jws.signature)
            .await
            .map_err(|e| JwtError::Crypto(e.0))?;
        if !valid {
            return Err(JwtError::BadSignature);
        }
        jwt::check_claims(&jws.claims, &self.rules, now_ms)?;
        jwt::auth_from_claims(jws.claims, &self.rules.user_claim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","kid":"k1","x":"aPjFarJCTr6YyTBuNyw798PISCC7M-kNd9hwhtJa7TQ","y":"5RR9tpFCfuhERe0miRKk8nLIxTd2radER1g31XigC3A"}"#;

    #[test]
    fn configures_with_defaults() {
        let v = JwtVerifier::from_jwks_json(EC, "https://idp/", "api").unwrap();
        assert_eq!(v.algorithms, JwsAlgorithm::ALL);
        assert_eq!(v.rules.leeway, Duration::from_secs(60));
        assert_eq!(v.rules.user_claim, "sub");
        assert_eq!(v.keys().keys().len(), 1);
        let v = v.algorithms(&[JwsAlgorithm::Es256]).user_claim("email").leeway(Duration::ZERO);
        assert_eq!(
            (v.algorithms, v.rules.user_claim.as_str(), v.rules.leeway),
            (vec![JwsAlgorithm::Es256], "email", Duration::ZERO)
        );
        assert!(matches!(JwtVerifier::from_jwks_json(EC, "", "api"), Err(JwtError::Config(_))));
        assert!(matches!(JwtVerifier::from_jwks_json(EC, "https://idp/", ""), Err(JwtError::Config(_))));
        assert!(matches!(JwtVerifier::from_jwks_json("{}", "https://idp/", "api"), Err(JwtError::Config(_))));
    }
}
