//! Bearer tokens the provider did not issue: the app's resolver (for
//! example a [`JwtVerifier`](crate::oauth::JwtVerifier) for Auth0, WorkOS or
//! Stytch tokens) says whom they speak for.

use std::fmt;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use worker::{Env, Url};

use crate::Auth;

/// A bearer token that is not of the provider's own shape, as the app's
/// resolver ([`OAuthProvider::resolve_external_token`](super::OAuthProvider::resolve_external_token))
/// gets it. Its `Debug` leaves the token out.
#[non_exhaustive]
pub struct ExternalToken {
    /// The token as presented (after `Bearer `).
    pub token: String,
    /// The URL it was presented at (the resolver checks the audience).
    pub url: Url,
    /// The worker's environment, for a resolver that looks tokens up.
    pub env: Env,
    /// The provider's clock, Unix milliseconds ([`OAuthProvider::clock`](super::OAuthProvider::clock)).
    pub now_ms: i64,
}

impl fmt::Debug for ExternalToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalToken")
            .field("url", &self.url.as_str())
            .field("now_ms", &self.now_ms)
            .finish_non_exhaustive()
    }
}

/// What the app's resolver says of an external token. A resolver may also
/// answer an `Option<Auth>`: `Some` is [`Accepted`](Self::Accepted), `None`
/// [`Unknown`](Self::Unknown).
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The token speaks for this caller.
    Accepted(Auth),
    /// Not a token the app accepts: the 401 `invalid_token` challenge.
    Unknown,
    /// A good token that lacks these scopes for the URL: 403
    /// `insufficient_scope`, the challenge naming them (as the TS
    /// provider's `ExternalTokenError("insufficient_scope")`).
    InsufficientScope(Vec<String>),
}

impl From<Option<Auth>> for Resolution {
    fn from(auth: Option<Auth>) -> Self {
        auth.map_or(Resolution::Unknown, Resolution::Accepted)
    }
}

impl From<Auth> for Resolution {
    fn from(auth: Auth) -> Self {
        Resolution::Accepted(auth)
    }
}

type Resolve = dyn Fn(ExternalToken) -> LocalBoxFuture<'static, crate::Result<Resolution>>;

/// The app's resolver, shared by the provider's clones.
#[derive(Clone)]
pub(crate) struct ExternalResolver(Rc<Resolve>);

impl ExternalResolver {
    pub(crate) fn new<F, Fut, R>(resolve: F) -> Self
    where
        F: Fn(ExternalToken) -> Fut + 'static,
        Fut: std::future::Future<Output = crate::Result<R>> + 'static,
        R: Into<Resolution>,
    {
        ExternalResolver(Rc::new(move |token| {
            let resolved = resolve(token);
            Box::pin(async move { resolved.await.map(Into::into) })
        }))
    }

    pub(crate) async fn resolve(&self, token: ExternalToken) -> crate::Result<Resolution> {
        (self.0)(token).await
    }
}

impl fmt::Debug for ExternalResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternalResolver(..)")
    }
}
