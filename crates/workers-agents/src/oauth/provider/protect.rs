//! The protected routes: a bearer token checked against its grant shard
//! and its audience (or, when it is not of our shape, by the app's external
//! resolver), or a challenge that tells the client where to log in.

use worker::{Env, Headers, Request, RequestInit, Response};

use super::external::{ExternalToken, Resolution};
use super::http::{cors, error, origin_of};
use super::{Handled, OAuthProvider};
use crate::oauth::audience::audience_matches;
use crate::oauth::authorize::same_resource;
use crate::oauth::challenge::{bearer_challenge, Challenge};
use crate::oauth::form;
use crate::oauth::metadata::resource_metadata_url;
use crate::oauth::store::grant_of;
use crate::oauth::{ErrorCode, OAuthError};

/// The bearer token of `Authorization: Bearer …`, if there is one.
fn bearer(req: &Request) -> Option<String> {
    let header = req.headers().get("authorization").ok().flatten()?;
    let (scheme, token) = header.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_owned())
}

fn refuse(p: &OAuthProvider, req: &Request, challenge: Challenge<'_>) -> worker::Result<Handled> {
    // `offline_access` asks for refresh tokens, not access to the resource;
    // a token short of scope is told the ones the route needs.
    let scopes: Vec<String> = match challenge {
        Challenge::InsufficientScope => p.scopes_needed(&req.path()).to_vec(),
        _ => p.scopes.iter().filter(|s| *s != "offline_access").cloned().collect(),
    };
    refuse_naming(req, challenge, scopes)
}

/// The refusal, its challenge naming `scopes`.
fn refuse_naming(req: &Request, challenge: Challenge<'_>, scopes: Vec<String>) -> worker::Result<Handled> {
    let url = req.url()?;
    let origin = url.origin().ascii_serialization();
    let header = bearer_challenge("OAuth", &resource_metadata_url(&origin, url.path()), &scopes, challenge);
    let headers = Headers::new();
    headers.set("www-authenticate", &header)?;
    headers.set("cache-control", "no-store")?;
    let body = match challenge {
        Challenge::InvalidToken { description } => {
            headers.set("content-type", "application/json")?;
            serde_json::json!({ "error": "invalid_token", "error_description": description }).to_string()
        }
        Challenge::InsufficientScope => {
            headers.set("content-type", "application/json")?;
            let description = format!("This resource needs the scope {}", scopes.join(" "));
            serde_json::json!({ "error": "insufficient_scope", "error_description": description }).to_string()
        }
        _ => String::new(),
    };
    let response = Response::ok(body)?.with_status(challenge.status()).with_headers(headers);
    Ok(Handled::Response(cors(origin_of(req)?.as_deref(), response)?))
}

/// A WebSocket upgrade's token in the query parameter `param`, and the
/// request without it (`Err`: the query does not parse, or repeats it).
fn query_token(req: Request, param: &str) -> worker::Result<Result<(Option<String>, Request), Request>> {
    let mut url = req.url()?;
    let Ok((token, rest)) = form::take(url.query().unwrap_or_default(), param) else {
        return Ok(Err(req));
    };
    if token.is_none() {
        return Ok(Ok((None, req)));
    }
    url.set_query(if rest.is_empty() { None } else { Some(&rest) });
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(req.headers().clone());
    Ok(Ok((token.filter(|t| !t.is_empty()), Request::new_with_init(url.as_str(), &init)?)))
}

/// Checks the request's bearer token: [`Handled::Authorized`] with who it
/// speaks for, or the 401 that answers it.
pub(crate) async fn check(p: &OAuthProvider, req: Request, env: &Env) -> worker::Result<Handled> {
    let invalid = Challenge::InvalidToken { description: "Invalid access token" };
    let (token, req) = match &p.websocket_token_param {
        Some(param) if crate::host::is_websocket_upgrade(&req)? => match query_token(req, param)? {
            Ok((from_query, req)) => (bearer(&req).or(from_query), req),
            Err(req) => return refuse(p, &req, invalid),
        },
        _ => (bearer(&req), req),
    };
    let Some(token) = token else {
        return refuse(p, &req, Challenge::Missing);
    };
    let Some(grant_id) = grant_of(&token) else {
        return external(p, req, env, token, invalid).await;
    };
    let store = p.grant_store(env, grant_id)?;
    let info = match store.unwrap_token(token, p.now_ms()).await? {
        Ok(Some(info)) => info,
        Ok(None) => return refuse(p, &req, invalid),
        Err(e) => return Err(worker::Error::RustError(e.to_string())),
    };
    // A pinned resource admits only tokens issued for it; otherwise a token
    // with an audience is good on that audience alone.
    let audience_ok = match (&p.resource, &info.audience) {
        (Some(pinned), Some(audience)) => same_resource(pinned, audience) && audience_matches(audience, &req.url()?),
        (Some(_), None) => false,
        (None, Some(audience)) => audience_matches(audience, &req.url()?),
        (None, None) => true,
    };
    if !audience_ok {
        return refuse(
            p,
            &req,
            Challenge::InvalidToken { description: "Token audience does not match resource server" },
        );
    }
    if lacks_scope(p, &req, &info.scope) {
        return refuse(p, &req, Challenge::InsufficientScope);
    }
    let auth = crate::Auth {
        user_id: info.user_id,
        client_id: info.client_id,
        scope: info.scope,
        props: info.props,
        grant_id: info.grant_id,
    };
    Ok(Handled::Authorized(req, auth))
}

/// Whether `scope` lacks one the route needs ([`OAuthProvider::require_scopes`]).
fn lacks_scope(p: &OAuthProvider, req: &Request, scope: &[String]) -> bool {
    p.scopes_needed(&req.path()).iter().any(|needed| !scope.contains(needed))
}

/// A token not of our shape: the app's resolver decides, if there is one.
async fn external(
    p: &OAuthProvider,
    req: Request,
    env: &Env,
    token: String,
    invalid: Challenge<'_>,
) -> worker::Result<Handled> {
    let Some(resolver) = &p.external else {
        return refuse(p, &req, invalid);
    };
    let token = ExternalToken { token, url: req.url()?, env: env.clone(), now_ms: p.now_ms() };
    match resolver.resolve(token).await {
        Ok(Resolution::Accepted(auth)) if lacks_scope(p, &req, &auth.scope) => {
            refuse(p, &req, Challenge::InsufficientScope)
        }
        Ok(Resolution::Accepted(auth)) => Ok(Handled::Authorized(req, auth)),
        Ok(Resolution::Unknown) => refuse(p, &req, invalid),
        Ok(Resolution::InsufficientScope(scopes)) => {
            // Each scope once, whatever spacing the resolver used; none named: the route's.
            let mut named: Vec<String> = Vec::with_capacity(scopes.len());
            for scope in scopes.iter().flat_map(|s| s.split_ascii_whitespace()) {
                if !named.iter().any(|n| n == scope) {
                    named.push(scope.to_owned());
                }
            }
            if named.is_empty() {
                return refuse(p, &req, Challenge::InsufficientScope);
            }
            refuse_naming(&req, Challenge::InsufficientScope, named)
        }
        Err(e) => {
            let reference = crate::error::internal("[oauth external token]", &e);
            let response = error(&OAuthError::new(ErrorCode::ServerError, reference))?;
            Ok(Handled::Response(cors(origin_of(&req)?.as_deref(), response)?))
        }
    }
}
