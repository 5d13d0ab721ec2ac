//! The provider's own endpoints: discovery documents, dynamic client
//! registration, and the token endpoint (codes, refresh, revocation).

use serde_json::Value;
use worker::{Env, Method, Request, Response, Url};

use super::http::{error, json};
use super::OAuthProvider;
use crate::body::{read_json, read_text, BodyError};
use crate::oauth::audience::audience_matches;
use crate::oauth::crypto::{constant_time_eq, random_token, sha256_hex};
use crate::oauth::metadata::{ProtectedResourceMetadata, ServerMetadata};
use crate::oauth::store::{grant_of, CodeExchange, Lifetimes, Outcome, RefreshExchange, StoredClient};
use crate::oauth::{
    check_auth_method, parse_token_request, registration_response, validate_registration, Client, ClientCredentials,
    ErrorCode, Grant, OAuthError,
};

/// Largest token request body.
const MAX_TOKEN_BODY: usize = 64 * 1024;
/// Largest registration body.
const MAX_REGISTRATION_BODY: usize = 1024 * 1024;
/// Characters of a client id and of a client secret.
const CLIENT_ID_CHARS: usize = 16;
const CLIENT_SECRET_CHARS: usize = 43;

/// The request's origin: the issuer and the base of every endpoint URL.
pub(crate) fn origin(req: &Request) -> worker::Result<String> {
    Ok(req.url()?.origin().ascii_serialization())
}

pub(crate) fn server_metadata(p: &OAuthProvider, req: &Request) -> worker::Result<Response> {
    let origin = origin(req)?;
    let meta = ServerMetadata {
        issuer: origin.clone(),
        authorization_endpoint: format!("{origin}{}", p.authorize_path),
        token_endpoint: format!("{origin}{}", p.token_path),
        registration_endpoint: p.registration_path.as_ref().map(|r| format!("{origin}{r}")),
        scopes_supported: p.scopes.clone(),
        client_id_metadata_document_supported: p.client_documents,
    };
    Response::from_json(&meta.to_json())
}

pub(crate) fn resource_metadata(p: &OAuthProvider, req: &Request, suffix: &str) -> worker::Result<Response> {
    let origin = origin(req)?;
    // A pinned resource is the only one here: the root document and the
    // routes it covers name it; another route has no metadata (RFC 9728
    // §3.3: the resource must be the one the URL was made from).
    if let Some(pinned) = &p.resource {
        let at = format!("{origin}{suffix}");
        let covered = suffix.is_empty() || Url::parse(&at).is_ok_and(|url| audience_matches(pinned, &url));
        if !covered {
            return Response::error("No protected resource here", 404);
        }
    }
    let mut authorization_servers = vec![origin.clone()];
    authorization_servers.extend(p.authorization_servers.iter().filter(|s| **s != origin).cloned());
    let meta = ProtectedResourceMetadata {
        resource: p.resource.clone().unwrap_or_else(|| format!("{origin}{suffix}")),
        authorization_servers,
        scopes_supported: p.scopes.clone(),
        resource_name: p.resource_name.clone(),
    };
    Response::from_json(&meta.to_json())
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, description)
}

fn body_error(e: BodyError) -> OAuthError {
    invalid_request(&e.to_string())
}

fn internal(e: impl std::fmt::Display) -> OAuthError {
    OAuthError::new(ErrorCode::ServerError, crate::error::internal("[oauth] token endpoint", &e))
}

/// `POST /register` (RFC 7591).
pub(crate) async fn register(p: &OAuthProvider, mut req: Request, env: &Env) -> worker::Result<Response> {
    if req.method() != Method::Post {
        return error(&invalid_request("The registration endpoint takes POST")).map(|r| r.with_status(405));
    }
    let answer = async {
        let metadata: Value = read_json(&mut req, MAX_REGISTRATION_BODY).await.map_err(body_error)?;
        let (client, secret, expires) = create_client(p, env, &metadata, p.client_ttl).await?;
        let secret_expires_at = if secret.is_some() { expires.map_or(0, |ms| ms / 1000) } else { 0 };
        Ok::<_, OAuthError>(registration_response(&client, secret.as_deref(), secret_expires_at))
    };
    match answer.await {
        Ok(body) => json(&body, 201),
        Err(e) => error(&e),
    }
}

/// Checks client metadata and stores the client: it, its secret (for a
/// confidential client: shown once, stored as a hash) and when it expires.
pub(crate) async fn create_client(
    p: &OAuthProvider,
    env: &Env,
    metadata: &Value,
    ttl: Option<std::time::Duration>,
) -> Result<(Client, Option<String>, Option<i64>), OAuthError> {
    let registration = validate_registration(metadata, p.allow_public_clients)?;
    let public = registration.token_endpoint_auth_method.is_public();
    let client_id = random_token(CLIENT_ID_CHARS).map_err(internal)?;
    let secret = if public { None } else { Some(random_token(CLIENT_SECRET_CHARS).map_err(internal)?) };
    let secret_hash = match &secret {
        Some(secret) => Some(sha256_hex(secret).await.map_err(internal)?),
        None => None,
    };
    let now = p.now_ms();
    let client = registration.into_client(client_id.clone(), now / 1000);
    let stored = StoredClient { client: client.clone(), secret_hash };
    let expires = ttl.map(|ttl| now + ttl.as_millis() as i64);
    p.client_store(env, &client_id).map_err(internal)?.put_client(stored, now, expires).await.map_err(internal)?;
    Ok((client, secret, expires))
}

/// `POST /token`: a code or refresh token for tokens, or a revocation.
pub(crate) async fn token(p: &OAuthProvider, mut req: Request, env: &Env) -> worker::Result<Response> {
    if req.method() != Method::Post {
        return method_not_allowed("The token endpoint takes POST");
    }
    let basic = req.headers().get("authorization")?.is_some_and(|a| a.to_ascii_lowercase().starts_with("basic "));
    match token_answer(p, &mut req, env).await {
        Ok(Some(body)) => json(&body, 200),
        Ok(None) => empty_ok(),
        Err(e) => {
            let mut response = error(&e)?;
            if e.code == ErrorCode::InvalidClient && basic {
                response.headers_mut().set("www-authenticate", "Basic realm=\"OAuth\"")?;
            }
            Ok(response)
        }
    }
}

fn method_not_allowed(description: &str) -> worker::Result<Response> {
    let mut response = error(&invalid_request(description))?.with_status(405);
    response.headers_mut().set("allow", "POST, OPTIONS")?;
    Ok(response)
}

fn empty_ok() -> worker::Result<Response> {
    let response = Response::empty()?;
    response.headers().set("cache-control", "no-store")?;
    Ok(response)
}

async fn authenticate(
    p: &OAuthProvider,
    env: &Env,
    credentials: &ClientCredentials,
) -> Result<StoredClient, OAuthError> {
    let failed = || OAuthError::new(ErrorCode::InvalidClient, "Client authentication failed");
    let client_id = credentials.client_id();
    let stored = match p.find_client(env, client_id).await.map_err(internal)? {
        Ok(found) => found.ok_or_else(failed)?,
        Err(refused) => return Err(OAuthError::new(ErrorCode::InvalidClient, refused.to_string())),
    };
    check_auth_method(&stored.client, credentials)?;
    if let Some(secret) = credentials.secret() {
        let presented = sha256_hex(secret).await.map_err(internal)?;
        let expected = stored.secret_hash.as_deref().unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
            return Err(failed());
        }
    }
    Ok(stored)
}

/// The token response's body, or `None` for a revocation (200, empty).
async fn token_answer(p: &OAuthProvider, req: &mut Request, env: &Env) -> Result<Option<Value>, OAuthError> {
    let content_type = req.headers().get("content-type").ok().flatten();
    let authorization = req.headers().get("authorization").ok().flatten();
    let body = read_text(req, MAX_TOKEN_BODY).await.map_err(body_error)?;
    let request = parse_token_request(content_type.as_deref(), authorization.as_deref(), &body)?;
    let stored = authenticate(p, env, &request.credentials).await?;
    let client = &stored.client;
    let refreshes = client.grant_types.iter().any(|g| g == "refresh_token");
    let lifetimes = Lifetimes {
        access_ms: p.access_ttl.as_millis() as i64,
        refresh_ms: p.refresh_ttl.filter(|_| refreshes).map(|ttl| ttl.as_millis() as i64),
    };
    let now_ms = p.now_ms();
    // One resource per request: the token's audience is one URI.
    if request.resource.len() > 1 {
        return Err(OAuthError::new(ErrorCode::InvalidTarget, "one resource per token request"));
    }
    let resource = request.resource.first().cloned();
    let outcome: Outcome<_> = match request.grant {
        Grant::AuthorizationCode { code, redirect_uri, code_verifier } => {
            let grant_id = grant_of(&code)
                .ok_or_else(|| OAuthError::new(ErrorCode::InvalidGrant, "Invalid authorization code"))?;
            let store = p.grant_store(env, grant_id).map_err(internal)?;
            let exchange = CodeExchange {
                code: code.clone(),
                client_id: client.client_id.clone(),
                redirect_uri,
                code_verifier,
                resource,
                scope: request.scope,
                now_ms,
                lifetimes,
            };
            store.exchange_code(exchange).await.map_err(internal)?
        }
        Grant::RefreshToken { refresh_token } => {
            if !refreshes {
                return Err(OAuthError::new(ErrorCode::UnauthorizedClient, "The client may not use refresh tokens"));
            }
            let grant_id = grant_of(&refresh_token)
                .ok_or_else(|| OAuthError::new(ErrorCode::InvalidGrant, "Invalid refresh token"))?;
            let store = p.grant_store(env, grant_id).map_err(internal)?;
            let exchange = RefreshExchange {
                refresh_token: refresh_token.clone(),
                client_id: client.client_id.clone(),
                resource,
                scope: request.scope,
                now_ms,
                lifetimes,
            };
            store.exchange_refresh(exchange).await.map_err(internal)?
        }
        Grant::Revocation { token, .. } => {
            if let Some(grant_id) = grant_of(&token) {
                let store = p.grant_store(env, grant_id).map_err(internal)?;
                store.revoke(token.clone(), client.client_id.clone()).await.map_err(internal)??;
            }
            return Ok(None);
        }
    };
    Ok(Some(outcome?.to_json()))
}
