//! The protected routes: a bearer token checked against its grant shard
//! and its audience (or, when it is not of our shape, by the app's external
//! resolver), or a challenge that tells the client where to log in.

use worker::{Env, Headers, Request, Response};

use super::external::ExternalToken;
use super::http::{cors, error, origin_of};
use super::{Handled, OAuthProvider};
use crate::oauth::audience::audience_matches;
use crate::oauth::challenge::{bearer_challenge, Challenge};
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
    let url = req.url()?;
    let origin = url.origin().ascii_serialization();
    // `offline_access` asks for refresh tokens, not access to the resource.
    let scopes: Vec<String> = p.scopes.iter().filter(|s| *s != "offline_access").cloned().collect();
    let header = bearer_challenge("OAuth", &resource_metadata_url(&origin, url.path()), &scopes, challenge);
    let headers = Headers::new();
    headers.set("www-authenticate", &header)?;
    headers.set("cache-control", "no-store")?;
    let body = match challenge {
        Challenge::InvalidToken { description } => {
            headers.set("content-type", "application/json")?;
            serde_json::json!({ "error": "invalid_token", "error_description": description }).to_string()
        }
        _ => String::new(),
    };
    let response = Response::ok(body)?.with_status(challenge.status()).with_headers(headers);
    Ok(Handled::Response(cors(origin_of(req)?.as_deref(), response)?))
}

/// Checks the request's bearer token: [`Handled::Authorized`] with who it
/// speaks for, or the 401 that answers it.
pub(crate) async fn check(p: &OAuthProvider, req: Request, env: &Env) -> worker::Result<Handled> {
    let Some(token) = bearer(&req) else {
        return refuse(p, &req, Challenge::Missing);
    };
    let invalid = Challenge::InvalidToken { description: "Invalid access token" };
    let Some(grant_id) = grant_of(&token) else {
        return external(p, req, env, token, invalid).await;
    };
    let store = p.grant_store(env, grant_id)?;
    let info = match store.unwrap_token(token, p.now_ms()).await? {
        Ok(Some(info)) => info,
        Ok(None) => return refuse(p, &req, invalid),
        Err(e) => return Err(worker::Error::RustError(e.to_string())),
    };
    if let Some(audience) = &info.audience {
        if !audience_matches(audience, &req.url()?) {
            return refuse(
                p,
                &req,
                Challenge::InvalidToken { description: "Token audience does not match resource server" },
            );
        }
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
        Ok(Some(auth)) => Ok(Handled::Authorized(req, auth)),
        Ok(None) => refuse(p, &req, invalid),
        Err(e) => {
            let reference = crate::error::internal("[oauth external token]", &e);
            let response = error(&OAuthError::new(ErrorCode::ServerError, reference))?;
            Ok(Handled::Response(cors(origin_of(&req)?.as_deref(), response)?))
        }
    }
}
