//! The OAuth 2.1 provider: wraps the worker's fetch, serves discovery,
//! registration and the token endpoint, checks bearer tokens on the
//! protected routes, and gives the app's own pages (login, consent) what
//! they need to complete or deny an authorization.
//!
//! ```ignore
//! let provider = OAuthProvider::new().protect("/secure");
//! match provider.handle(req, &env).await? {
//!     Handled::Response(response) => Ok(response),
//!     Handled::Authorized(req, auth) => router.handle_authorized(req, &env, &auth).await, // agents see ctx.auth()
//!     Handled::Other(req) => my_pages(req, &provider).await,        // /authorize: parse, consent, complete
//! }
//! ```

mod client_documents;
mod endpoints;
mod external;
mod http;
mod manage;
mod pages;
mod protect;

pub use external::{ExternalToken, Resolution};
pub use manage::CreatedClient;
pub use pages::Approval;

use external::ExternalResolver;

use std::time::Duration;

use worker::{Env, Method, Request, Response};

use super::metadata::{resource_metadata_suffix, SERVER_METADATA_PATH};
use super::store::OAuthStoreStub;
use crate::oauth::{is_document_client_id, JwtVerifier};
use crate::router::path::is_under_prefix;
use crate::{get_agent_by_binding, Auth};

/// What [`OAuthProvider::handle`] made of a request.
#[derive(Debug)]
pub enum Handled {
    /// The provider answered it (metadata, registration, token, a refusal).
    Response(Response),
    /// A protected route with a valid token: serve it as `auth`.
    Authorized(Request, Auth),
    /// Not the provider's: the app's own (its login and consent pages).
    Other(Request),
}

/// The provider's configuration.
#[derive(Debug, Clone)]
pub struct OAuthProvider {
    pub(crate) authorize_path: String,
    pub(crate) token_path: String,
    pub(crate) registration_path: Option<String>,
    pub(crate) protected: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) access_ttl: Duration,
    pub(crate) refresh_ttl: Option<Duration>,
    pub(crate) code_ttl: Duration,
    pub(crate) client_ttl: Option<Duration>,
    pub(crate) allow_public_clients: bool,
    pub(crate) resource_name: Option<String>,
    pub(crate) resource: Option<String>,
    pub(crate) authorization_servers: Vec<String>,
    pub(crate) binding: String,
    pub(crate) shards: u8,
    pub(crate) clock: Option<fn() -> i64>,
    pub(crate) websocket_token_param: Option<String>,
    pub(crate) required_scopes: Vec<(String, Vec<String>)>,
    pub(crate) external: Option<ExternalResolver>,
    pub(crate) client_documents: bool,
    pub(crate) client_documents_on_loopback: bool,
}

impl Default for OAuthProvider {
    fn default() -> Self {
        OAuthProvider {
            authorize_path: "/authorize".into(),
            token_path: "/token".into(),
            registration_path: Some("/register".into()),
            protected: Vec::new(),
            scopes: Vec::new(),
            access_ttl: Duration::from_secs(3600),
            refresh_ttl: Some(Duration::from_secs(30 * 86_400)),
            code_ttl: Duration::from_secs(600),
            client_ttl: Some(Duration::from_secs(90 * 86_400)),
            allow_public_clients: true,
            resource_name: None,
            resource: None,
            authorization_servers: Vec::new(),
            binding: "OAuthStore".into(),
            shards: 8,
            clock: None,
            websocket_token_param: None,
            required_scopes: Vec::new(),
            external: None,
            client_documents: false,
            client_documents_on_loopback: false,
        }
    }
}

impl OAuthProvider {
    /// A provider with the defaults: `/authorize` (the app's page),
    /// `/token`, `/register`, access tokens for an hour, refresh tokens for
    /// 30 days, codes for 10 minutes, registrations for 90 days, public
    /// clients allowed (with PKCE), the store bound as `OAuthStore` in 8 shards.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires a bearer token on `prefix` and everything under it.
    pub fn protect(mut self, prefix: &str) -> Self {
        self.protected.push(prefix.trim_end_matches('/').to_owned());
        self
    }

    /// Requires `scopes` (all of them) of tokens on `prefix` and under it (a
    /// protected route): a token without one gets 403 `insufficient_scope`,
    /// its challenge naming them. The longest matching prefix decides.
    pub fn require_scopes(mut self, prefix: &str, scopes: &[&str]) -> Self {
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.required_scopes.push((prefix.trim_end_matches('/').to_owned(), scopes));
        self
    }

    /// The scopes a token needs on `path` ([`OAuthProvider::require_scopes`]).
    pub(crate) fn scopes_needed(&self, path: &str) -> &[String] {
        self.required_scopes
            .iter()
            .filter(|(prefix, _)| is_under_prefix(path, prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(&[], |(_, scopes)| scopes.as_slice())
    }

    /// The app's authorization page (advertised in the metadata).
    pub fn authorize_path(mut self, path: &str) -> Self {
        self.authorize_path = path.to_owned();
        self
    }

    /// The token (and revocation) endpoint.
    pub fn token_path(mut self, path: &str) -> Self {
        self.token_path = path.to_owned();
        self
    }

    /// The registration endpoint; `None` turns dynamic registration off.
    pub fn registration_path(mut self, path: Option<&str>) -> Self {
        self.registration_path = path.map(str::to_owned);
        self
    }

    /// The scopes advertised (and named in challenges).
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Lifetimes: access tokens, refresh tokens (`None`: none issued).
    pub fn lifetimes(mut self, access: Duration, refresh: Option<Duration>) -> Self {
        self.access_ttl = access;
        self.refresh_ttl = refresh;
        self
    }

    /// How long a dynamically registered client stays registered (default
    /// 90 days; `None`: for ever). Expired registrations are deleted.
    pub fn client_registration_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.client_ttl = ttl;
        self
    }

    /// Whether clients without a secret may register (they must use PKCE).
    pub fn allow_public_clients(mut self, allow: bool) -> Self {
        self.allow_public_clients = allow;
        self
    }

    /// Accepts clients identified by a client ID metadata document (MCP
    /// 2025-11-25; off by default): a `client_id` that is an `https` URL
    /// names the JSON document at that URL, which the provider fetches
    /// (redirects not followed, 5 s, 5 KiB), checks (its `client_id` is the
    /// URL; safe redirect URIs; a public client, `token_endpoint_auth_method`
    /// `none`, so PKCE is required, whatever
    /// [`allow_public_clients`](Self::allow_public_clients) says of
    /// registrations) and keeps for the time its `Cache-Control` allows (10
    /// minutes without, a day at most). The server metadata says
    /// `client_id_metadata_document_supported: true`.
    ///
    /// A document that cannot be fetched or is refused makes the
    /// authorization request a local error (shown on the app's page, never
    /// redirected) and the token request `invalid_client`. URLs on
    /// `localhost`, loopback, private or reserved IP literals are refused
    /// (see [`client_documents_on_loopback`](Self::client_documents_on_loopback)
    /// for tests). Off, a URL client id is an unknown client.
    ///
    /// ```
    /// use workers_agents::oauth::OAuthProvider;
    ///
    /// // Clients may name themselves by URL (`client_id=https://app.example/oauth/client.json`)
    /// // or register at /register.
    /// let provider = OAuthProvider::new().protect("/mcp").client_id_metadata_documents(true);
    /// # let _ = provider;
    /// ```
    pub fn client_id_metadata_documents(mut self, on: bool) -> Self {
        self.client_documents = on;
        self
    }

    /// For tests only (off by default): also fetches metadata documents
    /// from loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`), over
    /// `http` too, so that a local stand-in can serve them. Never in
    /// production: it lets a client id make the server call its own machine.
    pub fn client_documents_on_loopback(mut self, allow: bool) -> Self {
        self.client_documents_on_loopback = allow;
        self
    }

    /// A name for people, in the protected resource metadata.
    pub fn resource_name(mut self, name: &str) -> Self {
        self.resource_name = Some(name.to_owned());
        self
    }

    /// Pins the one resource (RFC 8707) every grant and token is for, as an
    /// absolute URI such as `https://mcp.example.com/mcp`: an authorization
    /// request naming another resource is refused with `invalid_target`, one
    /// naming none gets this one, and the protected resource metadata names
    /// it (for the root document and the routes it covers; other routes'
    /// metadata is 404). A token of this provider's without that audience
    /// is refused everywhere. Without it, a request's own `resource` is used
    /// (or the protected prefix, when there is exactly one). External tokens
    /// ([`resolve_external_token`](Self::resolve_external_token)) are the
    /// resolver's to check: a [`JwtVerifier`] checks its own `aud`.
    pub fn resource(mut self, uri: &str) -> Self {
        self.resource = Some(uri.to_owned());
        self
    }

    /// Names another authorization server in the protected resource metadata,
    /// after this provider's own origin: the issuer of the external tokens
    /// [`resolve_external_token`](Self::resolve_external_token) or
    /// [`external_jwt`](Self::external_jwt) accept, so that clients can find
    /// it. The issuer is listed exactly as given (clients compare issuer
    /// identifiers exactly, trailing slash included: Auth0's end with `/`).
    /// Repeatable; a repeated issuer is listed once.
    pub fn authorization_server(mut self, issuer: &str) -> Self {
        if !self.authorization_servers.iter().any(|known| known == issuer) {
            self.authorization_servers.push(issuer.to_owned());
        }
        self
    }

    /// The store's binding and how many shards grants and clients spread over (1–64).
    pub fn store(mut self, binding: &str, shards: u8) -> Self {
        self.binding = binding.to_owned();
        self.shards = shards.clamp(1, 64);
        self
    }

    /// Also takes the bearer token of a WebSocket upgrade from the query
    /// parameter `name` (browsers cannot set headers on a WebSocket; the
    /// official clients send it with `query: { token }`). Only upgrades, and
    /// off by default: a URL is more often logged than a header. The
    /// parameter is removed before the request goes on, so the agent never
    /// sees the token.
    pub fn websocket_token_param(mut self, name: &str) -> Self {
        self.websocket_token_param = Some(name.to_owned());
        self
    }

    /// The clock (Unix ms), for tests; default `Date.now()`.
    pub fn clock(mut self, now: fn() -> i64) -> Self {
        self.clock = Some(now);
        self
    }

    /// Accepts bearer tokens another server issued: a token on a protected
    /// route that is not of the provider's own shape (`{grant}:{secret}`)
    /// goes to `resolve`, whose `Some(auth)` is served like a token of ours
    /// ([`Handled::Authorized`], `ctx.auth()` in agents) and whose `None` is
    /// refused with the same 401 `invalid_token` challenge. A resolver that
    /// answers a [`Resolution`] can also say a good token lacks scopes
    /// ([`Resolution::InsufficientScope`]: 403 naming them). The resolver
    /// checks everything about the token, its audience included; an `Err`
    /// is logged and answered 500 with a reference.
    ///
    /// Tokens of the provider's shape never reach it: one the store does not
    /// know is revoked, expired or forged, and is refused without asking.
    /// For JWTs, [`external_jwt`](Self::external_jwt) is this with a
    /// [`JwtVerifier`].
    ///
    /// ```
    /// use workers_agents::oauth::{ExternalToken, OAuthProvider};
    /// use workers_agents::Auth;
    ///
    /// let provider = OAuthProvider::new().protect("/mcp").resolve_external_token(|t: ExternalToken| async move {
    ///     // Look the token up (an introspection endpoint, KV, …); `None`: refuse it.
    ///     Ok((t.token == "let-me-in").then(|| Auth {
    ///         user_id: "ada".into(),
    ///         client_id: String::new(),
    ///         scope: vec![],
    ///         props: serde_json::json!({ "permissions": [] }),
    ///         grant_id: String::new(),
    ///     }))
    /// });
    /// ```
    pub fn resolve_external_token<F, Fut, R>(mut self, resolve: F) -> Self
    where
        F: Fn(ExternalToken) -> Fut + 'static,
        Fut: std::future::Future<Output = crate::Result<R>> + 'static,
        R: Into<Resolution>,
    {
        self.external = Some(ExternalResolver::new(resolve));
        self
    }

    /// Accepts JWTs that `verifier` verifies (see
    /// [`resolve_external_token`](Self::resolve_external_token)): its
    /// [`Auth`] (the user from `sub`, all claims as props) reaches the
    /// agents; a token it refuses gets the 401 `invalid_token` challenge.
    pub fn external_jwt(self, verifier: JwtVerifier) -> Self {
        let verifier = std::rc::Rc::new(verifier);
        self.resolve_external_token(move |t: ExternalToken| {
            let verifier = verifier.clone();
            async move { Ok(verifier.verify(&t.token, t.now_ms).await.ok()) }
        })
    }

    pub(crate) fn now_ms(&self) -> i64 {
        match self.clock {
            Some(now) => now(),
            None => worker::Date::now().as_millis() as i64,
        }
    }

    fn shard(&self, kind: &str, id: &str) -> String {
        let first = id.bytes().next().unwrap_or(0);
        format!("{kind}-{}", first % self.shards)
    }

    pub(crate) fn grant_store(&self, env: &Env, grant_id: &str) -> crate::Result<OAuthStoreStub> {
        Ok(get_agent_by_binding(env, &self.binding, &self.shard("grants", grant_id))?.into())
    }

    pub(crate) fn client_store(&self, env: &Env, client_id: &str) -> crate::Result<OAuthStoreStub> {
        // URL client ids (metadata documents) all begin alike: spread them by a hash of the whole.
        let shard = if is_document_client_id(client_id) {
            let hash = client_id.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
            format!("clients-{}", hash % u32::from(self.shards))
        } else {
            self.shard("clients", client_id)
        };
        Ok(get_agent_by_binding(env, &self.binding, &shard)?.into())
    }

    pub(crate) fn state_store(&self, env: &Env, state: &str) -> crate::Result<OAuthStoreStub> {
        Ok(get_agent_by_binding(env, &self.binding, &self.shard("states", state))?.into())
    }

    fn is_protected(&self, path: &str) -> bool {
        self.protected.iter().any(|p| is_under_prefix(path, p))
    }

    /// Serves what is the provider's; hands back the rest (see [`Handled`]).
    pub async fn handle(&self, req: Request, env: &Env) -> worker::Result<Handled> {
        let path = req.path();
        let ours = path == SERVER_METADATA_PATH
            || resource_metadata_suffix(&path).is_some()
            || path == self.token_path
            || self.registration_path.as_deref() == Some(path.as_str());
        if req.method() == Method::Options && (ours || self.is_protected(&path)) {
            return Ok(Handled::Response(http::preflight(&req)?));
        }
        // The endpoints take the request (its body); CORS needs only its origin.
        let origin = http::origin_of(&req)?;
        let response = if path == SERVER_METADATA_PATH {
            endpoints::server_metadata(self, &req)?
        } else if let Some(suffix) = resource_metadata_suffix(&path) {
            endpoints::resource_metadata(self, &req, suffix)?
        } else if path == self.token_path {
            endpoints::token(self, req, env).await?
        } else if self.registration_path.as_deref() == Some(path.as_str()) {
            endpoints::register(self, req, env).await?
        } else if self.is_protected(&path) {
            return protect::check(self, req, env).await;
        } else {
            return Ok(Handled::Other(req));
        };
        Ok(Handled::Response(http::cors(origin.as_deref(), response)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_names_the_scopes_a_route_needs() {
        let p = OAuthProvider::new()
            .protect("/api")
            .require_scopes("/api", &["read"])
            .require_scopes("/api/admin/", &["read", "admin"]);
        assert_eq!(p.scopes_needed("/api/notes"), ["read"]);
        assert_eq!(p.scopes_needed("/api"), ["read"]);
        assert_eq!(p.scopes_needed("/api/admin"), ["read", "admin"]);
        assert_eq!(p.scopes_needed("/api/admin/users"), ["read", "admin"]);
        assert_eq!(p.scopes_needed("/api/administrator"), ["read"]);
        assert!(p.scopes_needed("/other").is_empty());
        assert!(p.is_protected("/api/x") && !p.is_protected("/apix") && !p.is_protected("/other"));
    }
}
