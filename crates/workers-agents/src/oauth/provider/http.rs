//! The provider's responses: JSON with `Cache-Control: no-store`, OAuth
//! error bodies, and CORS for browser clients.

use worker::{Headers, Request, Response};

use crate::oauth::OAuthError;

/// `body` as JSON with `status`, never cached.
pub(crate) fn json(body: &serde_json::Value, status: u16) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    no_store(&headers)?;
    Ok(Response::ok(body.to_string())?.with_status(status).with_headers(headers))
}

fn no_store(headers: &Headers) -> worker::Result<()> {
    headers.set("cache-control", "no-store")?;
    headers.set("pragma", "no-cache")
}

/// An OAuth error as its status and JSON body.
pub(crate) fn error(e: &OAuthError) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    no_store(&headers)?;
    Ok(Response::ok(e.to_json())?.with_status(e.status()).with_headers(headers))
}

/// The request's `Origin`, if it has one.
pub(crate) fn origin_of(req: &Request) -> worker::Result<Option<String>> {
    req.headers().get("origin")
}

/// `response` with CORS headers for the request's `origin`, if it has one:
/// the provider's endpoints are called from browsers (an MCP client in a
/// page), and bearer tokens, not cookies, authenticate them.
pub(crate) fn cors(origin: Option<&str>, response: Response) -> worker::Result<Response> {
    let Some(origin) = origin else { return Ok(response) };
    let mut response = response;
    let headers = response.headers_mut();
    headers.set("access-control-allow-origin", origin)?;
    headers.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
    headers.set("access-control-allow-headers", "Authorization, Content-Type, MCP-Protocol-Version")?;
    headers.set("access-control-expose-headers", "WWW-Authenticate")?;
    headers.set("access-control-max-age", "86400")?;
    headers.append("vary", "Origin")?;
    Ok(response)
}

/// The answer to a CORS preflight.
pub(crate) fn preflight(req: &Request) -> worker::Result<Response> {
    cors(origin_of(req)?.as_deref(), Response::empty()?.with_status(204))
}
