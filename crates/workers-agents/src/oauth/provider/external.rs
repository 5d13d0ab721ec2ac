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

type Resolve = dyn Fn(ExternalToken) -> LocalBoxFuture<'static, crate::Result<Option<Auth>>>;

/// The app's resolver, shared by the provider's clones.
#[derive(Clone)]
pub(crate) struct ExternalResolver(Rc<Resolve>);

impl ExternalResolver {
    pub(crate) fn new<F, Fut>(resolve: F) -> Self
    where
        F: Fn(ExternalToken) -> Fut + 'static,
        Fut: std::future::Future<Output = crate::Result<Option<Auth>>> + 'static,
    {
        ExternalResolver(Rc::new(move |token| Box::pin(resolve(token))))
    }

    pub(crate) async fn resolve(&self, token: ExternalToken) -> crate::Result<Option<Auth>> {
        (self.0)(token).await
    }
}

impl fmt::Debug for ExternalResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternalResolver(..)")
    }
}
