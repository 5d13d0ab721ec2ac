//! The OAuth login of an MCP client agent, at runtime (feature `oauth`):
//! after a server's 401, discovery (protected resource metadata, then the
//! authorization server's), registration (RFC 7591), PKCE S256 and a
//! single-use state bound to the server; the callback's code exchanged for
//! tokens; the bearer of every request, refreshed before it expires and
//! after a 401; a refresh the server refuses starts a new login. Every URL
//! fetched passes the same check as the server's own URL; no redirect is
//! followed; every body is bounded.

use serde_json::Value;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Url};

use super::api::McpClient;
use super::callback::{
    callback_path, callback_url, check_issuer, login_is_pending, new_state, page, read_callback, LOGIN_TTL_MS,
    PAGE_CSP, STATE_NONCE_CHARS, VERIFIER_CHARS,
};
use super::discovery::{
    authorization_server_metadata_urls, authorization_url, resource_for, resource_metadata_urls, scope_to_request,
    union_scopes, AuthorizationParams, ResourceMetadata, ServerMetadata,
};
use super::error::ClientError;
use super::login::{code_request, refresh_request, registration_request, RegisteredClient, TokenError, Tokens};
use super::oauth_store::{Endpoints, OAuthRow, OAuthStore};
use super::options::check_server_url;
use super::sealed::{self, check_key_secret, TOKEN_KEY_BINDING};
use super::servers::ConnectionState;
use super::store::ServerRow;
use super::transport::REQUEST_TIMEOUT;
use crate::mcp::session::now_ms;
use crate::oauth::crypto;
use crate::Agent;

/// Most bytes of a metadata, registration or token reply.
const MAX_OAUTH_REPLY_BYTES: usize = 64 * 1024;

type Outcome<T> = Result<T, ClientError>;

fn oauth(why: impl std::fmt::Display) -> ClientError {
    ClientError::OAuth(why.to_string())
}

fn stored(error: crate::Error) -> ClientError {
    ClientError::OAuth(format!("storage: {error}"))
}

/// A challenge's fields (from a 401).
pub(crate) struct Asked {
    pub(crate) resource_metadata: Option<String>,
    pub(crate) scope: Option<String>,
}

impl<A: Agent> McpClient<'_, A> {
    fn oauth_store(&self) -> OAuthStore<'_> {
        OAuthStore { sql: self.ctx.sql(), schema: self.ctx.schema() }
    }

    /// The sealing key, from the secret binding.
    async fn key(&self) -> Outcome<Vec<u8>> {
        let env = self.ctx.env();
        let secret = env
            .secret(TOKEN_KEY_BINDING)
            .map(|s| s.to_string())
            .or_else(|_| env.var(TOKEN_KEY_BINDING).map(|v| v.to_string()))
            .ok();
        let secret = check_key_secret(secret.as_deref()).map_err(oauth)?;
        sealed::derive_key(secret).await.map_err(oauth)
    }

    /// A URL the login may fetch: what the agent may connect to.
    fn checked(&self, url: &str) -> Outcome<Url> {
        check_server_url(url, |u| self.ctx.agent().allow_mcp_server_url(self.ctx, u))
    }

    /// The access token to send to server `id`: none for a server without
    /// tokens; refreshed first when it is about to expire. With its expiry.
    pub(crate) async fn bearer(&self, id: &str) -> Outcome<Option<(String, Option<i64>)>> {
        let Some(row) = self.oauth_store().get(id).map_err(stored)? else { return Ok(None) };
        let Some(text) = &row.tokens else { return Ok(None) };
        let key = self.key().await?;
        let tokens = open_tokens(&key, id, text).await?;
        let tokens = match tokens.needs_refresh(now_ms()) && tokens.refresh_token.is_some() {
            true => self.refresh(&row, &key, &tokens).await?,
            false => tokens,
        };
        Ok(Some((tokens.access_token, tokens.expires_at_ms)))
    }

    /// After a 401: a refreshed token, or (no refresh token, or the
    /// authorization server refused it) a new login, the server left
    /// `authenticating` and [`ClientError::LoginRequired`] returned.
    pub(crate) async fn reauthorize(&self, server: &ServerRow, asked: Asked) -> Outcome<String> {
        if let Some(row) = self.oauth_store().get(&server.id).map_err(stored)? {
            if let Some(text) = &row.tokens {
                let key = self.key().await?;
                let tokens = open_tokens(&key, &server.id, text).await?;
                if tokens.refresh_token.is_some() {
                    return Ok(self.refresh(&row, &key, &tokens).await?.access_token);
                }
            }
        }
        Err(self.start_login(server, asked).await?)
    }

    /// After a 403 asking for more scope: a new login for the scope the
    /// last login asked for and the scope the server names (step-up).
    pub(crate) async fn step_up(&self, server: &ServerRow, asked: Asked) -> Outcome<ClientError> {
        let had =
            self.oauth_store().get(&server.id).map_err(stored)?.and_then(|row| row.endpoints()).and_then(|e| e.scope);
        let scope = union_scopes(had.as_deref(), asked.scope.as_deref());
        self.start_login(server, Asked { resource_metadata: asked.resource_metadata, scope }).await
    }

    /// Refreshes the tokens; a refusal starts a new login.
    async fn refresh(&self, row: &OAuthRow, key: &[u8], tokens: &Tokens) -> Outcome<Tokens> {
        let (Some(endpoints), Some(refresh_token)) = (row.endpoints(), &tokens.refresh_token) else {
            return Err(oauth("the tokens cannot be refreshed"));
        };
        let client = self.client(key, row).await?;
        let form = refresh_request(&client, refresh_token, &endpoints.resource);
        match self.token_request(&endpoints, &client, form, Some(tokens)).await {
            Ok(fresh) => {
                self.store_tokens(key, &row.server_id, &fresh).await?;
                Ok(fresh)
            }
            Err(TokenFailure::Refused(why)) => {
                worker::console_log!(
                    "[{}/{}] MCP server {}: refresh refused ({why})",
                    self.ctx.agent_class(),
                    self.ctx.name(),
                    row.server_id
                );
                let server = self.server_row(&row.server_id)?;
                Err(self
                    .start_login(&server, Asked { resource_metadata: None, scope: endpoints.scope.clone() })
                    .await?)
            }
            Err(TokenFailure::Other(error)) => Err(error),
        }
    }

    fn server_row(&self, id: &str) -> Outcome<ServerRow> {
        self.store().get(id).map_err(stored)?.ok_or_else(|| ClientError::UnknownServer(id.to_owned()))
    }

    /// Starts a login: discovers where (once per server), registers (once),
    /// makes a verifier and a state, stores them and the authorization URL,
    /// and leaves the server `authenticating`. The error it returns is
    /// [`ClientError::LoginRequired`] with the URL, or why it could not.
    pub(crate) async fn start_login(&self, server: &ServerRow, asked: Asked) -> Outcome<ClientError> {
        let store = self.oauth_store();
        let options = self.links().login(&server.id);
        let callback = match store.get(&server.id).map_err(stored)? {
            Some(row) => row.callback_url,
            None => options.as_ref().map(|o| o.redirect_uri.clone()).ok_or_else(|| {
                oauth(
                    "the server requires a login, and it was added without a callback host \
                     (McpServerOptions::callback_host), so there is no redirect URI",
                )
            })?,
        };
        let key = self.key().await?;
        store.ensure(&server.id, &callback).map_err(stored)?;
        let server_url = self.checked(&server.url)?;
        let endpoints = self.discover(&server_url, &asked).await?;
        let row = store.get(&server.id).map_err(stored)?.ok_or_else(|| oauth("the login row is gone"))?;
        let same_server = row.endpoints().is_some_and(|known| known.token_endpoint == endpoints.0.token_endpoint);
        store.set_endpoints(&server.id, &endpoints.0).map_err(stored)?;
        if !same_server || row.client.is_none() {
            let client = match options.as_ref().and_then(|o| chosen_client(o, &endpoints)) {
                Some(client) => client,
                None => self.register(&endpoints, &callback).await?,
            };
            let sealed =
                sealed::seal(&key, &purpose(&server.id, "client"), &client_json(&client)).await.map_err(oauth)?;
            store.set_client(&server.id, Some(&sealed)).map_err(stored)?;
        }
        let row = store.get(&server.id).map_err(stored)?.ok_or_else(|| oauth("the login row is gone"))?;
        let client = self.client(&key, &row).await?;
        let verifier = crypto::random_token(VERIFIER_CHARS).map_err(oauth)?;
        let challenge = crypto::pkce_challenge(&verifier).await.map_err(oauth)?;
        let state = new_state(&crypto::random_token(STATE_NONCE_CHARS).map_err(oauth)?, &server.id);
        let resource = Url::parse(&endpoints.0.resource).map_err(oauth)?;
        let authorization_endpoint = Url::parse(&endpoints.0.authorization_endpoint).map_err(oauth)?;
        let params = AuthorizationParams {
            client_id: &client.client_id,
            redirect_uri: &callback,
            code_challenge: &challenge,
            state: &state,
            scope: endpoints.0.scope.as_deref(),
            resource: &resource,
        };
        let auth_url = authorization_url(&authorization_endpoint, &params).to_string();
        let sealed_verifier =
            sealed::seal(&key, &purpose(&server.id, "verifier"), &Value::String(verifier)).await.map_err(oauth)?;
        let state_hash = crypto::sha256_hex(&state).await.map_err(oauth)?;
        store
            .set_pending(&server.id, &auth_url, &state_hash, &sealed_verifier, now_ms() + LOGIN_TTL_MS)
            .map_err(stored)?;
        self.store().set_state(&server.id, ConnectionState::Authenticating, None).map_err(stored)?;
        Ok(ClientError::LoginRequired { auth_url })
    }

    /// Where logins to the server at `server` go (RFC 9728, then RFC 8414).
    async fn discover(&self, server: &Url, asked: &Asked) -> Outcome<Discovered> {
        let candidates = match &asked.resource_metadata {
            Some(url) => vec![self.checked(url)?],
            None => resource_metadata_urls(server),
        };
        let mut metadata = None;
        for url in candidates {
            match self.get_json(&url).await? {
                Some(doc) => {
                    metadata = Some(ResourceMetadata::from_json(&doc).map_err(oauth)?);
                    break;
                }
                None if asked.resource_metadata.is_some() => {
                    return Err(oauth(format!("the resource metadata at {url} is not there")));
                }
                None => {}
            }
        }
        let resource = resource_for(server, metadata.as_ref().map(|m| m.resource.as_str())).map_err(oauth)?;
        let named = metadata.as_ref().and_then(|m| m.authorization_servers.first());
        let issuer = match named {
            Some(issuer) => self.checked(issuer)?,
            None => Url::parse(&server.origin().ascii_serialization()).map_err(oauth)?,
        };
        let mut found = None;
        for url in authorization_server_metadata_urls(&issuer) {
            if let Some(doc) = self.get_json(&self.checked(url.as_str())?).await? {
                // Without resource metadata (MCP 2025-03-26) the server's own
                // origin serves it, and may name an issuer on that origin.
                let checked = match named {
                    Some(_) => ServerMetadata::from_json(&doc, &issuer),
                    None => ServerMetadata::from_json_at_origin(&doc, server),
                };
                let checked = checked.map_err(oauth)?;
                found = Some((checked, doc["authorization_response_iss_parameter_supported"] == true));
                break;
            }
        }
        let (meta, iss_required) = found.unwrap_or_else(|| (ServerMetadata::fallback(server), false));
        for endpoint in
            [Some(&meta.authorization_endpoint), Some(&meta.token_endpoint), meta.registration_endpoint.as_ref()]
                .into_iter()
                .flatten()
        {
            self.checked(endpoint.as_str())?;
        }
        let supported = metadata.map(|m| m.scopes_supported).unwrap_or_default();
        let endpoints = Endpoints {
            resource: resource.to_string(),
            issuer: meta.issuer.clone(),
            iss_required,
            authorization_endpoint: meta.authorization_endpoint.to_string(),
            token_endpoint: meta.token_endpoint.to_string(),
            scope: scope_to_request(asked.scope.as_deref(), &supported, None),
        };
        Ok(Discovered(
            endpoints,
            meta.registration_endpoint,
            meta.client_id_metadata_document_supported,
            meta.token_endpoint_auth_methods,
        ))
    }

    /// Registers the agent as a public client (RFC 7591).
    async fn register(&self, found: &Discovered, redirect_uri: &str) -> Outcome<RegisteredClient> {
        let endpoint = found.1.as_ref().ok_or_else(|| {
            oauth(
                "the authorization server offers no dynamic client registration: \
                 give the agent a pre-registered client (McpServerOptions::client)",
            )
        })?;
        let name = format!("{} (workers-agents)", self.ctx.agent_class());
        let body = registration_request(&name, redirect_uri, found.0.scope.as_deref()).to_string();
        let (status, doc) = self.send_json(endpoint, Method::Post, Some(("application/json", body)), None).await?;
        if !(200..300).contains(&status) {
            let why = doc["error_description"].as_str().or(doc["error"].as_str()).unwrap_or("no reason given");
            return Err(oauth(format!("the registration was refused (HTTP {status}): {why}")));
        }
        RegisteredClient::from_json(&doc).map_err(oauth)
    }

    async fn client(&self, key: &[u8], row: &OAuthRow) -> Outcome<RegisteredClient> {
        let text = row.client.as_deref().ok_or_else(|| oauth("no client is registered"))?;
        let doc = sealed::open(key, &purpose(&row.server_id, "client"), text).await.map_err(oauth)?;
        RegisteredClient::from_json(&doc).map_err(oauth)
    }

    async fn store_tokens(&self, key: &[u8], id: &str, tokens: &Tokens) -> Outcome<()> {
        let sealed = sealed::seal(key, &purpose(id, "tokens"), &tokens_json(tokens)).await.map_err(oauth)?;
        self.oauth_store().set_tokens(id, Some(&sealed)).map_err(stored)
    }

    async fn token_request(
        &self,
        endpoints: &Endpoints,
        client: &RegisteredClient,
        form: String,
        previous: Option<&Tokens>,
    ) -> Result<Tokens, TokenFailure> {
        let url = self.checked(&endpoints.token_endpoint).map_err(TokenFailure::Other)?;
        let basic = client.basic_credentials();
        let body = Some(("application/x-www-form-urlencoded", form));
        let (_, doc) = self.send_json(&url, Method::Post, body, basic.as_deref()).await.map_err(TokenFailure::Other)?;
        Tokens::from_json(&doc, now_ms(), previous).map_err(|e| match e {
            TokenError::Refused { .. } => TokenFailure::Refused(e.to_string()),
            TokenError::Malformed(_) => TokenFailure::Other(oauth(e)),
        })
    }

    /// Whether `url` is the callback of one of this agent's logins.
    pub(crate) fn is_callback(&self, url: &Url) -> bool {
        let store = self.oauth_store();
        store.exists()
            && store
                .callback_paths()
                .unwrap_or_default()
                .iter()
                .any(|c| Url::parse(c).is_ok_and(|c| c.path() == url.path()))
    }

    /// Answers the callback: checks the state (unknown, used or expired:
    /// refused, nothing changed), then the code is exchanged, the tokens
    /// stored and the server connected; a page for the browser.
    pub(crate) async fn finish_login(&self, url: &Url) -> worker::Result<Response> {
        let (status, message) = match self.callback(url).await {
            Ok(name) => (200, format!("Connected to {name}. You can close this window.")),
            Err((status, why)) => (status, why),
        };
        let headers = Headers::new();
        headers.set("content-type", "text/html; charset=utf-8")?;
        headers.set("cache-control", "no-store")?;
        headers.set("referrer-policy", "no-referrer")?;
        headers.set("content-security-policy", PAGE_CSP)?;
        Ok(Response::from_html(page(status == 200, &message))?.with_status(status).with_headers(headers))
    }

    async fn callback(&self, url: &Url) -> Result<String, (u16, String)> {
        let refused = |why: String| (400, why);
        let found = read_callback(url).map_err(|e| refused(e.0))?;
        let id = found.server_id.clone();
        let unknown = || refused("This login is unknown, was used already or has expired: start it again.".into());
        let row = self.oauth_store().get(&id).map_err(|e| (500, e.to_string()))?.ok_or_else(unknown)?;
        let server = self.store().get(&id).map_err(|e| (500, e.to_string()))?.ok_or_else(unknown)?;
        let hash = crypto::sha256_hex(&found.state).await.map_err(|e| (500, e.to_string()))?;
        if !login_is_pending(row.state_hash.as_deref(), &hash, row.state_expires_ms, now_ms()) {
            return Err(unknown());
        }
        // Used up before anything else happens: a second callback is refused.
        if !self.oauth_store().take_pending(&id, &hash).map_err(|e| (500, e.to_string()))? {
            return Err(unknown());
        }
        let outcome = self.exchange(&row, &found.outcome, found.iss.as_deref()).await;
        if let Err(error) = outcome {
            let _ = self.oauth_store().set_tokens(&id, None);
            let _ = self.store().set_state(&id, ConnectionState::Failed, Some(&error.to_string()));
            let _ = self.broadcast();
            return Err((400, error.to_string()));
        }
        let server = self.store().get(&id).ok().flatten().unwrap_or(server);
        match self.connect(&server).await {
            Ok(_) => Ok(server.name),
            Err(error) => Err((502, format!("Logged in, but the server could not be connected: {error}"))),
        }
    }

    async fn exchange(&self, row: &OAuthRow, outcome: &Result<String, String>, iss: Option<&str>) -> Outcome<()> {
        let code = outcome.as_ref().map_err(|why| oauth(format!("the authorization server refused: {why}")))?;
        let endpoints = row.endpoints().ok_or_else(|| oauth("the login has no endpoints"))?;
        check_issuer(&endpoints.issuer, iss, endpoints.iss_required).map_err(oauth)?;
        let key = self.key().await?;
        let client = self.client(&key, row).await?;
        let verifier = row.verifier.as_deref().ok_or_else(|| oauth("the login has no verifier"))?;
        let verifier = sealed::open(&key, &purpose(&row.server_id, "verifier"), verifier).await.map_err(oauth)?;
        let verifier = verifier.as_str().ok_or_else(|| oauth("the stored verifier is not text"))?;
        let form = code_request(&client, code, verifier, &row.callback_url, &endpoints.resource);
        let tokens = self.token_request(&endpoints, &client, form, None).await.map_err(|e| match e {
            TokenFailure::Refused(why) => oauth(format!("the code was refused: {why}")),
            TokenFailure::Other(error) => error,
        })?;
        self.store_tokens(&key, &row.server_id, &tokens).await
    }

    /// The redirect URI of a server added with these options.
    pub(crate) fn redirect_uri(&self, host: &str, path: Option<&str>) -> Outcome<String> {
        let path = match path {
            Some(path) if path.starts_with('/') && !path.contains(['?', '#']) => path.to_owned(),
            Some(path) => return Err(ClientError::Refused(format!("the callback path {path:?} is not a plain path"))),
            None => callback_path("agents", self.ctx.agent_class(), self.ctx.name()),
        };
        callback_url(host, &path).map_err(ClientError::Refused)
    }

    /// GETs a JSON document: `None` for a 4xx (not there), `Err` for others.
    async fn get_json(&self, url: &Url) -> Outcome<Option<Value>> {
        let (status, doc) = self.send_json(url, Method::Get, None, None).await?;
        match status {
            200..=299 => Ok(Some(doc)),
            400..=499 => Ok(None),
            _ => Err(oauth(format!("{url} answered HTTP {status}"))),
        }
    }

    async fn send_json(
        &self,
        url: &Url,
        method: Method,
        body: Option<(&str, String)>,
        basic: Option<&str>,
    ) -> Outcome<(u16, Value)> {
        let headers = Headers::new();
        let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| ClientError::Transport(e.to_string()));
        set("accept", "application/json")?;
        set("mcp-protocol-version", "2025-11-25")?;
        if let Some(basic) = basic {
            set("authorization", &format!("Basic {}", base64_standard(basic.as_bytes())))?;
        }
        let mut init = RequestInit::new();
        if let Some((content_type, body)) = body {
            set("content-type", content_type)?;
            init.with_body(Some(body.into()));
        }
        init.with_method(method).with_headers(headers).with_redirect(RequestRedirect::Manual);
        let req = Request::new_with_init(url.as_str(), &init).map_err(|e| ClientError::Transport(e.to_string()))?;
        let work = Box::pin(async {
            let mut response = Fetch::Request(req).send().await.map_err(|e| ClientError::Transport(e.to_string()))?;
            let status = response.status_code();
            if (300..400).contains(&status) {
                return Ok((status, Value::Null));
            }
            let text = super::transport::read_text(&mut response, MAX_OAUTH_REPLY_BYTES).await?;
            Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
        });
        match futures_util::future::select(work, Box::pin(worker::Delay::from(REQUEST_TIMEOUT))).await {
            futures_util::future::Either::Left((outcome, _)) => outcome,
            futures_util::future::Either::Right(_) => Err(ClientError::Transport(format!("{url}: no answer in time"))),
        }
    }
}

/// Discovered endpoints, where to register, whether client ID metadata
/// documents are taken, and the token endpoint's authentication methods.
struct Discovered(Endpoints, Option<Url>, bool, Vec<String>);

/// The client the agent's options name for this authorization server, if
/// any: the pre-registered one, else its metadata document's URL where the
/// server takes such documents.
fn chosen_client(options: &super::link::LoginOptions, found: &Discovered) -> Option<RegisteredClient> {
    if let Some((id, secret)) = &options.client {
        return Some(RegisteredClient::pre_registered(id, secret.as_deref(), &found.3));
    }
    let url = options.client_metadata_url.as_deref().filter(|_| found.2)?;
    Some(RegisteredClient::pre_registered(url, None, &found.3))
}

enum TokenFailure {
    /// The authorization server said no (`invalid_grant` and the like).
    Refused(String),
    Other(ClientError),
}

fn purpose(id: &str, field: &str) -> String {
    format!("{id}/{field}")
}

fn client_json(client: &RegisteredClient) -> Value {
    serde_json::json!({
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "token_endpoint_auth_method": client.auth_method,
    })
}

fn tokens_json(tokens: &Tokens) -> Value {
    serde_json::json!({
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at_ms": tokens.expires_at_ms,
        "scope": tokens.scope,
    })
}

async fn open_tokens(key: &[u8], id: &str, text: &str) -> Outcome<Tokens> {
    let doc = sealed::open(key, &purpose(id, "tokens"), text).await.map_err(oauth)?;
    let access_token = doc["access_token"].as_str().ok_or_else(|| oauth("the stored tokens have no access token"))?;
    Ok(Tokens {
        access_token: access_token.to_owned(),
        refresh_token: doc["refresh_token"].as_str().map(str::to_owned),
        expires_at_ms: doc["expires_at_ms"].as_i64(),
        scope: doc["scope"].as_str().map(str::to_owned),
    })
}

/// Padded standard base64 (RFC 4648 §4), for `Authorization: Basic`.
fn base64_standard(bytes: &[u8]) -> String {
    let mut text = crate::oauth::base64::encode_url(bytes).replace('-', "+").replace('_', "/");
    while !text.len().is_multiple_of(4) {
        text.push('=');
    }
    text
}
