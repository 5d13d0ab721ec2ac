//! Calls to the upstream provider from the worker: the code exchanged at
//! its token endpoint (a form POST with the app's client credentials,
//! `Accept: application/json`), and a bearer-authenticated GET of its API.
//! Each call gives up after [`UPSTREAM_TIMEOUT`]; answers are read up to
//! [`MAX_UPSTREAM_BODY`].

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::url::Url;
use worker::{Fetch, Headers, Method, Request, RequestInit};

use super::token_response::{parse_token_response, UpstreamError, UpstreamToken};
use crate::oauth::form::encode;

/// How long an upstream call may take.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest upstream answer read, in bytes.
pub const MAX_UPSTREAM_BODY: usize = 256 * 1024;

/// This app as a client of the upstream provider. Its `Debug` leaves the
/// secret out.
#[derive(Clone)]
pub struct UpstreamClient {
    /// The upstream token endpoint.
    pub token_url: Url,
    /// The app's client id there.
    pub client_id: String,
    /// The app's client secret there.
    pub client_secret: String,
    /// The `User-Agent` of the calls (GitHub refuses calls without one).
    pub user_agent: String,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn network(e: impl std::fmt::Display) -> UpstreamError {
    UpstreamError::Network(e.to_string())
}

/// Sends `req` and reads the answer's status and text, within the limits.
async fn send(req: Request) -> Result<(u16, String), UpstreamError> {
    let timeout = Box::pin(worker::Delay::from(UPSTREAM_TIMEOUT));
    let mut response = match select(Box::pin(Fetch::Request(req).send()), timeout).await {
        Either::Left((response, _)) => response.map_err(network)?,
        Either::Right(_) => return Err(UpstreamError::Network(format!("no answer within {UPSTREAM_TIMEOUT:?}"))),
    };
    let status = response.status_code();
    let bytes = response.bytes().await.map_err(network)?;
    if bytes.len() > MAX_UPSTREAM_BODY {
        return Err(UpstreamError::Malformed(format!("an answer over {MAX_UPSTREAM_BODY} bytes")));
    }
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

impl UpstreamClient {
    /// Exchanges the authorization `code` the provider sent to
    /// `redirect_uri` for its access token.
    pub async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<UpstreamToken, UpstreamError> {
        let body = format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&client_secret={}",
            encode(code),
            encode(redirect_uri),
            encode(&self.client_id),
            encode(&self.client_secret)
        );
        let headers = Headers::new();
        headers.set("content-type", "application/x-www-form-urlencoded").map_err(network)?;
        headers.set("accept", "application/json").map_err(network)?;
        headers.set("user-agent", &self.user_agent).map_err(network)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
        let req = Request::new_with_init(self.token_url.as_str(), &init).map_err(network)?;
        let (status, text) = send(req).await?;
        parse_token_response(status, &text)
    }

    /// `GET url` with the user's upstream `token`: the answer's status and
    /// text (the caller reads the provider's format).
    pub async fn get_api(&self, url: &str, token: &str) -> Result<(u16, String), UpstreamError> {
        get_with_token(url, token, &self.user_agent).await
    }
}

/// `GET url` with `Authorization: Bearer {token}`, `Accept:
/// application/json` and `user_agent`: the answer's status and text. For
/// tools that call the upstream API with the token in their props.
pub async fn get_with_token(url: &str, token: &str, user_agent: &str) -> Result<(u16, String), UpstreamError> {
    let headers = Headers::new();
    headers.set("authorization", &format!("Bearer {token}")).map_err(network)?;
    headers.set("accept", "application/json").map_err(network)?;
    headers.set("user-agent", user_agent).map_err(network)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let req = Request::new_with_init(url, &init).map_err(network)?;
    send(req).await
}
