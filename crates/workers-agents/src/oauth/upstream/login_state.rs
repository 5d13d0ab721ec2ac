//! The `state` of a redirect to the upstream provider: random, stored
//! server-side (as a hash) with the original authorization request for
//! [`LOGIN_STATE_TTL`], bound to the browser that started the login, and
//! taken once at the callback.
//!
//! The binding is a random secret in a `__Host-` cookie, set with the
//! redirect (after consent); the store keeps its hash with the state. A
//! callback from another browser (a login link someone was sent, to log
//! them in as somebody else) lacks it and is refused. The secret is reused
//! while the cookie lives, so two logins in one browser do not undo each
//! other.

use std::time::Duration;

use worker::{Env, Request};

use super::cookie::{cookie_value, host_cookie};
use crate::oauth::crypto::{random_token, sha256_hex};
use crate::oauth::store::{PendingLogin, StateTake};
use crate::oauth::OAuthProvider;

/// The binding cookie's name.
pub const LOGIN_BINDING_COOKIE: &str = "__Host-upstream-login";
/// How long a login may take at the upstream provider (10 minutes).
pub const LOGIN_STATE_TTL: Duration = Duration::from_secs(600);
/// Largest payload kept with a state, in bytes.
pub const MAX_LOGIN_PAYLOAD_BYTES: usize = 16 * 1024;
/// Characters of a state and of a binding secret (6 bits each: 258 bits).
const SECRET_CHARS: usize = 43;

/// A login handed to the upstream provider.
#[derive(Debug, Clone)]
pub struct UpstreamLogin {
    /// The `state` to send upstream.
    pub state: String,
    /// The `Set-Cookie` of the browser binding (send it with the redirect).
    pub set_cookie: String,
}

fn is_secret(text: &str) -> bool {
    text.len() == SECRET_CHARS && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn binding_of(req: &Request) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    cookie_value(&header, LOGIN_BINDING_COOKIE).filter(|v| is_secret(v)).map(str::to_owned)
}

fn failed(e: impl std::fmt::Display) -> crate::Error {
    crate::Error::msg(e.to_string())
}

impl OAuthProvider {
    /// Starts a login at the upstream provider for the browser of `req`:
    /// a new state, stored with `payload` (what [`finish_upstream_login`]
    /// gives back: the original authorization request) until
    /// [`LOGIN_STATE_TTL`] from now.
    ///
    /// [`finish_upstream_login`]: OAuthProvider::finish_upstream_login
    pub async fn begin_upstream_login(&self, req: &Request, env: &Env, payload: &str) -> crate::Result<UpstreamLogin> {
        if payload.len() > MAX_LOGIN_PAYLOAD_BYTES {
            return Err(crate::Error::BadRequest(format!(
                "The authorization request is too long (at most {MAX_LOGIN_PAYLOAD_BYTES} bytes)"
            )));
        }
        let binding = match binding_of(req) {
            Some(binding) => binding,
            None => random_token(SECRET_CHARS).map_err(failed)?,
        };
        let state = random_token(SECRET_CHARS).map_err(failed)?;
        let login = PendingLogin {
            state_hash: sha256_hex(&state).await.map_err(failed)?,
            binding_hash: sha256_hex(&binding).await.map_err(failed)?,
            payload: payload.to_owned(),
            expires_ms: self.now_ms() + LOGIN_STATE_TTL.as_millis() as i64,
        };
        self.state_store(env, &state)?.put_login_state(login).await?;
        Ok(UpstreamLogin { set_cookie: host_cookie(LOGIN_BINDING_COOKIE, &binding, LOGIN_STATE_TTL.as_secs()), state })
    }

    /// Takes the pending login of `state` at the callback `req`: its payload
    /// if it is pending for this browser, once.
    pub async fn finish_upstream_login(&self, req: &Request, env: &Env, state: &str) -> crate::Result<StateTake> {
        if !is_secret(state) {
            return Ok(StateTake::Unknown);
        }
        let binding_hash = match binding_of(req) {
            Some(binding) => sha256_hex(&binding).await.map_err(failed)?,
            None => String::new(), // matches no stored hash
        };
        let state_hash = sha256_hex(state).await.map_err(failed)?;
        self.state_store(env, state)?.take_login_state(state_hash, binding_hash, self.now_ms()).await
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret;

    #[test]
    fn knows_the_shape_of_a_state() {
        assert!(is_secret(&"aZ0-_".repeat(9)[..43]));
        assert!(!is_secret(&"a".repeat(42)));
        assert!(!is_secret(&"a".repeat(44)));
        assert!(!is_secret(&format!("{}!", "a".repeat(42))));
    }
}
