//! Grants and their tokens: issuing a code, exchanging it, refreshing,
//! unwrapping an access token, revoking. Runs inside the store's Durable
//! Object: each check and the write it guards are synchronous SQL with no
//! `await` between, so a code is redeemed once however many requests race.
//!
//! Tokens, codes and refresh tokens are `{grant_id}:{secret}` and stored only
//! as SHA-256 hashes. A grant's props are sealed (AES-256-GCM) with a key of
//! the grant's own, and that key is stored sealed under each token (with a
//! key derived from the token by HMAC): without a token nobody, the store
//! included, can read the props.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rows::{self, GrantRow, NewToken};
use crate::oauth::authorize::same_resource;
use crate::oauth::crypto::{self, base64url, CryptoError};
use crate::oauth::scope::narrow_scope;
use crate::oauth::{is_document_client_id, ErrorCode, OAuthError};
use crate::Sql;

/// Characters of a token's secret part (6 bits each: 258 bits).
const SECRET_CHARS: usize = 43;
/// Characters of a grant id.
const GRANT_ID_CHARS: usize = 16;
/// What keys sealed under a token are derived with (HMAC key).
const WRAPPING_LABEL: &[u8] = b"workers-agents oauth: key sealed under a token, v1";
/// A refresh token with less life than this left is refused.
const REFRESH_MARGIN_MS: i64 = 60_000;

/// An authorization the app completed: what `create_grant` stores.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewGrant {
    /// Its id, from [`new_grant_id`] (the provider picks the shard by it).
    pub grant_id: String,
    /// Who authorized (must not contain `:`).
    pub user_id: String,
    /// The client.
    pub client_id: String,
    /// The scope granted.
    pub scope: Vec<String>,
    /// Anything the app wants to see in listings (a label).
    pub metadata: Value,
    /// What reaches the handlers with each token (sealed at rest).
    pub props: Value,
    /// The resource tokens are for.
    pub resource: Option<String>,
    /// The checked redirect URI of the request.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// Now (Unix ms).
    pub now_ms: i64,
    /// How long the code is good for.
    pub code_ttl_ms: i64,
}

/// How long what a token request issues lives.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Lifetimes {
    /// Access tokens.
    pub access_ms: i64,
    /// Refresh tokens; `None`: none are issued.
    pub refresh_ms: Option<i64>,
}

/// A token request for an authorization code, the client already authenticated.
#[derive(Clone, Serialize, Deserialize)]
pub struct CodeExchange {
    /// The code.
    pub code: String,
    /// The authenticated client.
    pub client_id: String,
    /// The `redirect_uri` parameter.
    pub redirect_uri: Option<String>,
    /// The `code_verifier` parameter.
    pub code_verifier: Option<String>,
    /// The `resource` parameter.
    pub resource: Option<String>,
    /// The `scope` parameter (narrows the grant's).
    pub scope: Option<Vec<String>>,
    /// Now (Unix ms).
    pub now_ms: i64,
    /// Lifetimes of the tokens.
    pub lifetimes: Lifetimes,
}

/// A token request for a refresh token, the client already authenticated.
#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshExchange {
    /// The refresh token.
    pub refresh_token: String,
    /// The authenticated client.
    pub client_id: String,
    /// The `resource` parameter.
    pub resource: Option<String>,
    /// The `scope` parameter (narrows the grant's).
    pub scope: Option<Vec<String>>,
    /// Now (Unix ms).
    pub now_ms: i64,
    /// Lifetimes of the tokens.
    pub lifetimes: Lifetimes,
}

/// What a successful token request answers (RFC 6749 §5.1).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Issued {
    /// The access token.
    pub access_token: String,
    /// Seconds it lives.
    pub expires_in: i64,
    /// The refresh token, when refresh tokens are issued.
    pub refresh_token: Option<String>,
    /// The scope of the access token.
    pub scope: Vec<String>,
    /// Its audience.
    pub resource: Option<String>,
}

impl Issued {
    /// The JSON body: optional fields absent, never `null`.
    pub fn to_json(&self) -> Value {
        let mut body = serde_json::json!({
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": self.scope.join(" "),
        });
        if let Some(refresh) = &self.refresh_token {
            body["refresh_token"] = refresh.as_str().into();
        }
        if let Some(resource) = &self.resource {
            body["resource"] = resource.as_str().into();
        }
        body
    }
}

/// What a valid access token stands for.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Its grant.
    pub grant_id: String,
    /// Who authorized.
    pub user_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Its scope.
    pub scope: Vec<String>,
    /// Its audience (RFC 8707 resource).
    pub audience: Option<String>,
    /// When it expires (Unix ms).
    pub expires_ms: i64,
    /// The grant's props, unsealed.
    pub props: Value,
}

/// A grant as listed for its user (no secrets, no props).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantSummary {
    /// Its id.
    pub grant_id: String,
    /// The client.
    pub client_id: String,
    /// The scope granted.
    pub scope: Vec<String>,
    /// The app's metadata.
    pub metadata: Value,
    /// When it was made (Unix ms).
    pub created_ms: i64,
    /// When it ends (Unix ms), if it does.
    pub expires_ms: Option<i64>,
}

// `Debug` without the secrets (codes, verifiers, tokens) and props.
macro_rules! redacted_debug {
    ($($type:ident { $($field:ident),* }),* $(,)?) => {$(
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))$(.field(stringify!($field), &self.$field))*.finish_non_exhaustive()
            }
        }
    )*};
}

redacted_debug! {
    NewGrant { grant_id, user_id, client_id, scope },
    CodeExchange { client_id, redirect_uri, resource },
    RefreshExchange { client_id, resource },
    Issued { expires_in, scope, resource },
    TokenInfo { grant_id, user_id, client_id, scope, audience, expires_ms },
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

/// A failure inside the store: logged with a reference, which is all the
/// client is told (no SQL or crypto text).
fn server_error(e: impl std::fmt::Display) -> OAuthError {
    OAuthError::new(ErrorCode::ServerError, crate::error::internal("[oauth store]", &e))
}

fn storage(e: crate::Error) -> OAuthError {
    server_error(e)
}

/// A new grant id for `user_id`: random, but for its first character, which
/// the user's name decides, so that one user's grants share a shard (the
/// provider picks shards by that character) and can be listed and replaced
/// together.
pub fn new_grant_id(user_id: &str) -> Result<String, CryptoError> {
    Ok(format!("{}{}", user_grant_prefix(user_id), crypto::random_token(GRANT_ID_CHARS - 1)?))
}

/// The first character of every grant id of `user_id` (see [`new_grant_id`]).
pub(crate) fn user_grant_prefix(user_id: &str) -> char {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // FNV-1a: stable across releases, which the shard of stored grants depends on.
    let hash = user_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    ALPHABET[(hash % 64) as usize] as char
}

/// The grant id of a `{grant_id}:{secret}` token, if it has that shape.
pub fn grant_of(token: &str) -> Option<&str> {
    let (grant, secret) = token.split_once(':')?;
    let fine = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (fine(grant, GRANT_ID_CHARS) && fine(secret, SECRET_CHARS)).then_some(grant)
}

async fn wrapping_key(token: &str) -> Result<Vec<u8>, CryptoError> {
    crypto::hmac_sha256(WRAPPING_LABEL, token.as_bytes()).await
}

/// `key` sealed under `token`, as stored.
async fn seal_under(token: &str, key: &[u8]) -> Result<String, CryptoError> {
    Ok(base64url(&crypto::seal(&wrapping_key(token).await?, key).await?))
}

async fn open_under(token: &str, sealed: &str) -> Result<Vec<u8>, CryptoError> {
    let bytes = unbase64url(sealed).ok_or_else(|| CryptoError("stored key is not base64url".into()))?;
    crypto::open(&wrapping_key(token).await?, &bytes).await
}

fn unbase64url(text: &str) -> Option<Vec<u8>> {
    crate::oauth::base64::decode_url(text)
}

async fn new_token(grant_id: &str) -> Result<(String, String), OAuthError> {
    let token = format!("{grant_id}:{}", crypto::random_token(SECRET_CHARS).map_err(server_error)?);
    let hash = crypto::sha256_hex(&token).await.map_err(server_error)?;
    Ok((token, hash))
}

fn scope_of(row_scope: &str) -> Vec<String> {
    serde_json::from_str(row_scope).unwrap_or_default()
}

/// Stores a new grant with its code; returns the code.
pub(crate) async fn create_grant(sql: &Sql, new: NewGrant) -> Result<String, OAuthError> {
    if new.user_id.is_empty() || new.user_id.contains(':') {
        return Err(OAuthError::new(ErrorCode::InvalidRequest, "a user id must be non-empty and without ':'"));
    }
    let grant_id = new.grant_id.clone();
    if grant_of(&format!("{grant_id}:{}", "A".repeat(SECRET_CHARS))).is_none() {
        return Err(OAuthError::new(ErrorCode::InvalidRequest, "a grant id is 16 characters of [A-Za-z0-9_-]"));
    }
    let key = crypto::random_bytes(32).map_err(server_error)?;
    let props = serde_json::to_vec(&new.props).map_err(server_error)?;
    let sealed_props = base64url(&crypto::seal(&key, &props).await.map_err(server_error)?);
    let (code, code_hash) = new_token(&grant_id).await?;
    let code_key = seal_under(&code, &key).await.map_err(server_error)?;
    let row = GrantRow {
        grant_id: grant_id.clone(),
        user_id: new.user_id,
        client_id: new.client_id,
        scope: serde_json::to_string(&new.scope).map_err(server_error)?,
        metadata: new.metadata.to_string(),
        sealed_props,
        resource: new.resource,
        redirect_uri: new.redirect_uri,
        created_ms: new.now_ms,
        expires_ms: None,
        code_hash: Some(code_hash),
        code_key: Some(code_key),
        code_challenge: new.code_challenge,
        code_expires_ms: Some(new.now_ms + new.code_ttl_ms),
        refresh_hash: None,
        refresh_key: None,
        previous_refresh_hash: None,
        previous_refresh_key: None,
    };
    // A new authorization replaces the user's earlier ones for this client
    // (as re-logging in does in the reference): their tokens end. A client
    // of a metadata document is one application on many machines (one URL
    // id for all): only the earlier grants to the same redirect URI end.
    let same_redirect = is_document_client_id(&row.client_id).then_some(row.redirect_uri.as_str());
    rows::delete_user_client_grants(sql, &row.user_id, &row.client_id, same_redirect).map_err(storage)?;
    rows::insert_grant(sql, &row).map_err(storage)?;
    Ok(code)
}

/// Exchanges an authorization code. Every check runs before the code is
/// used, so a wrong verifier, redirect URI or resource can be retried; a code
/// presented again after its exchange ends the grant and its tokens.
///
/// The hashing and the new tokens' cryptography come first; then one
/// synchronous block checks the grant again, uses the code and stores the
/// tokens, so nothing interleaves and a failure leaves nothing half done.
pub(crate) async fn exchange_code(sql: &Sql, request: CodeExchange) -> Result<Issued, OAuthError> {
    let grant_id = grant_of(&request.code).ok_or_else(|| invalid_grant("Invalid authorization code"))?.to_owned();
    let code_hash = crypto::sha256_hex(&request.code).await.map_err(server_error)?;
    let verifier_challenge = match &request.code_verifier {
        Some(verifier) => Some(crypto::pkce_challenge(verifier).await.map_err(server_error)?),
        None => None,
    };
    let (_, code_key) = check_code(sql, &grant_id, &code_hash, verifier_challenge.as_deref(), &request)?;
    let key = open_under(&request.code, &code_key).await.map_err(server_error)?;
    let minted = mint(&grant_id, &key, request.lifetimes.refresh_ms.is_some()).await?;
    // From here: synchronous.
    let (grant, _) = check_code(sql, &grant_id, &code_hash, verifier_challenge.as_deref(), &request)?;
    let audience = audience(grant.resource.as_deref(), request.resource.as_deref())?;
    if !rows::consume_code(sql, &grant_id).map_err(storage)? {
        return Err(invalid_grant("Authorization code already used"));
    }
    let scope = narrow_scope(&scope_of(&grant.scope), request.scope.as_deref());
    store_minted(sql, &grant_id, minted, scope, audience, request.now_ms, request.lifetimes, None)
}

/// The checks of a code exchange (synchronous); the grant and the key sealed
/// under the code. A used code ends the grant.
fn check_code(
    sql: &Sql,
    grant_id: &str,
    code_hash: &str,
    verifier_challenge: Option<&str>,
    request: &CodeExchange,
) -> Result<(GrantRow, String), OAuthError> {
    let grant =
        rows::grant(sql, grant_id).map_err(storage)?.ok_or_else(|| invalid_grant("Invalid authorization code"))?;
    if grant.code_hash.as_deref() != Some(code_hash) {
        return Err(invalid_grant("Invalid authorization code"));
    }
    if grant.client_id != request.client_id {
        return Err(invalid_grant("The code was issued to another client"));
    }
    let Some(code_key) = grant.code_key.clone() else {
        rows::delete_grant(sql, grant_id).map_err(storage)?;
        return Err(invalid_grant("Authorization code already used"));
    };
    if grant.code_expires_ms.is_some_and(|expires| expires <= request.now_ms) {
        return Err(invalid_grant("Authorization code expired"));
    }
    match (&request.redirect_uri, &grant.code_challenge) {
        (None, None) => {
            return Err(OAuthError::new(ErrorCode::InvalidRequest, "redirect_uri is required without PKCE"));
        }
        // RFC 6749 §4.1.3: the same string as in the authorization request.
        (Some(uri), _) if *uri != grant.redirect_uri => {
            return Err(invalid_grant("redirect_uri does not match the authorization request"));
        }
        _ => {}
    }
    match (&grant.code_challenge, verifier_challenge) {
        (Some(_), None) => return Err(OAuthError::new(ErrorCode::InvalidRequest, "code_verifier is required")),
        (None, Some(_)) => {
            return Err(OAuthError::new(ErrorCode::InvalidRequest, "code_verifier given, but no challenge was"));
        }
        (Some(expected), Some(got)) if !crypto::constant_time_eq(expected.as_bytes(), got.as_bytes()) => {
            return Err(invalid_grant("code_verifier does not match the code challenge"));
        }
        _ => {}
    }
    audience(grant.resource.as_deref(), request.resource.as_deref())?;
    Ok((grant, code_key))
}

/// The audience of new tokens: the grant's resource, which a `resource`
/// parameter may repeat but not change.
fn audience(granted: Option<&str>, requested: Option<&str>) -> Result<Option<String>, OAuthError> {
    match (granted, requested) {
        (_, None) => Ok(granted.map(str::to_owned)),
        (Some(granted), Some(requested)) if same_resource(granted, requested) => Ok(Some(granted.to_owned())),
        (None, Some(requested)) => Err(OAuthError::new(
            ErrorCode::InvalidTarget,
            format!("resource {requested} was not part of the authorization"),
        )),
        (Some(_), Some(requested)) => {
            Err(OAuthError::new(ErrorCode::InvalidTarget, format!("resource {requested} is not the granted one")))
        }
    }
}

/// New tokens of a grant, made before anything is stored: each token, its
/// hash, and the grant's key sealed under it.
struct Minted {
    access: (String, String, String),
    refresh: Option<(String, String, String)>,
}

async fn mint(grant_id: &str, key: &[u8], refresh: bool) -> Result<Minted, OAuthError> {
    let one = || async {
        let (token, hash) = new_token(grant_id).await?;
        let sealed = seal_under(&token, key).await.map_err(server_error)?;
        Ok::<_, OAuthError>((token, hash, sealed))
    };
    let access = one().await?;
    let refresh = if refresh { Some(one().await?) } else { None };
    Ok(Minted { access, refresh })
}

/// Stores minted tokens (synchronous): the access token's row, and the
/// grant's new current refresh token with `previous` beside it.
#[allow(clippy::too_many_arguments)]
fn store_minted(
    sql: &Sql,
    grant_id: &str,
    minted: Minted,
    scope: Vec<String>,
    audience: Option<String>,
    now_ms: i64,
    lifetimes: Lifetimes,
    previous: Option<(&str, &str)>,
) -> Result<Issued, OAuthError> {
    let refresh_expires = lifetimes.refresh_ms.map(|ttl| now_ms.saturating_add(ttl));
    // A refresh lifetime bounds the access token's.
    let access_expires = match refresh_expires {
        Some(end) => (now_ms + lifetimes.access_ms).min(end),
        None => now_ms + lifetimes.access_ms,
    };
    let scope_json = serde_json::to_string(&scope).map_err(server_error)?;
    let (access, access_hash, access_key) = minted.access;
    let token = NewToken {
        hash: &access_hash,
        grant_id,
        scope: &scope_json,
        audience: audience.as_deref(),
        key: &access_key,
        created_ms: now_ms,
        expires_ms: access_expires,
    };
    rows::insert_token(sql, &token).map_err(storage)?;
    match &minted.refresh {
        Some((_, hash, sealed)) => {
            rows::rotate_refresh(sql, grant_id, Some((hash, sealed)), previous, refresh_expires).map_err(storage)?
        }
        // No refresh tokens: the grant lives as long as its access token.
        None => rows::rotate_refresh(sql, grant_id, None, None, Some(access_expires)).map_err(storage)?,
    }
    Ok(Issued {
        access_token: access,
        expires_in: (access_expires - now_ms) / 1000,
        refresh_token: minted.refresh.map(|(token, _, _)| token),
        scope,
        resource: audience,
    })
}

/// Exchanges a refresh token: the current one, or the one before it once
/// (for a client that lost the answer that replaced it). Presenting the
/// current one keeps it as the previous; presenting the previous one leaves
/// none. As for codes, the cryptography comes first and one synchronous
/// block checks again (the grant's refresh tokens still the ones seen) and
/// stores.
pub(crate) async fn exchange_refresh(sql: &Sql, request: RefreshExchange) -> Result<Issued, OAuthError> {
    let grant_id = grant_of(&request.refresh_token).ok_or_else(|| invalid_grant("Invalid refresh token"))?.to_owned();
    let hash = crypto::sha256_hex(&request.refresh_token).await.map_err(server_error)?;
    let (seen, sealed, _) = check_refresh(sql, &grant_id, &hash, &request)?;
    let key = open_under(&request.refresh_token, &sealed).await.map_err(server_error)?;
    let minted = mint(&grant_id, &key, request.lifetimes.refresh_ms.is_some()).await?;
    // From here: synchronous.
    let (grant, sealed, was_current) = check_refresh(sql, &grant_id, &hash, &request)?;
    if grant.refresh_hash != seen.refresh_hash || grant.previous_refresh_hash != seen.previous_refresh_hash {
        return Err(invalid_grant("Invalid refresh token"));
    }
    let audience = audience(grant.resource.as_deref(), request.resource.as_deref())?;
    let scope = narrow_scope(&scope_of(&grant.scope), request.scope.as_deref());
    let previous = was_current.then_some((hash.as_str(), sealed.as_str()));
    store_minted(sql, &grant_id, minted, scope, audience, request.now_ms, request.lifetimes, previous)
}

/// The checks of a refresh (synchronous): the grant, the key sealed under
/// the presented token, and whether it is the current one.
fn check_refresh(
    sql: &Sql,
    grant_id: &str,
    hash: &str,
    request: &RefreshExchange,
) -> Result<(GrantRow, String, bool), OAuthError> {
    let grant = rows::grant(sql, grant_id).map_err(storage)?.ok_or_else(|| invalid_grant("Invalid refresh token"))?;
    let (sealed, current) = if grant.refresh_hash.as_deref() == Some(hash) {
        (grant.refresh_key.clone(), true)
    } else if grant.previous_refresh_hash.as_deref() == Some(hash) {
        (grant.previous_refresh_key.clone(), false)
    } else {
        (None, false)
    };
    let Some(sealed) = sealed else {
        return Err(invalid_grant("Invalid refresh token"));
    };
    if grant.client_id != request.client_id {
        return Err(invalid_grant("The refresh token was issued to another client"));
    }
    if grant.expires_ms.is_some_and(|end| end - REFRESH_MARGIN_MS <= request.now_ms) {
        return Err(invalid_grant("Refresh token expired"));
    }
    audience(grant.resource.as_deref(), request.resource.as_deref())?;
    Ok((grant, sealed, current))
}

/// What an access token stands for; `None` for an unknown, expired or
/// revoked token (or one whose grant ended).
pub(crate) async fn unwrap_token(sql: &Sql, token: &str, now_ms: i64) -> Result<Option<TokenInfo>, OAuthError> {
    if grant_of(token).is_none() {
        return Ok(None);
    }
    let hash = crypto::sha256_hex(token).await.map_err(server_error)?;
    let Some(row) = rows::token(sql, &hash).map_err(storage)? else {
        return Ok(None);
    };
    if row.expires_ms <= now_ms {
        return Ok(None);
    }
    let key = open_under(token, &row.token_key).await.map_err(server_error)?;
    let sealed = unbase64url(&row.sealed_props).ok_or_else(|| server_error("stored props are not base64url"))?;
    let props = crypto::open(&key, &sealed).await.map_err(server_error)?;
    Ok(Some(TokenInfo {
        grant_id: row.grant_id,
        user_id: row.user_id,
        client_id: row.client_id,
        scope: scope_of(&row.scope),
        audience: row.audience,
        expires_ms: row.expires_ms,
        props: serde_json::from_slice(&props).map_err(server_error)?,
    }))
}

/// Revokes a token of `client_id` (RFC 7009): an access token alone, or a
/// refresh token with its whole grant. Unknown and foreign tokens are
/// ignored, as the RFC asks.
pub(crate) async fn revoke(sql: &Sql, token: &str, client_id: &str) -> Result<(), OAuthError> {
    let Some(grant_id) = grant_of(token) else { return Ok(()) };
    let hash = crypto::sha256_hex(token).await.map_err(server_error)?;
    let Some(grant) = rows::grant(sql, grant_id).map_err(storage)? else { return Ok(()) };
    if grant.client_id != client_id {
        return Ok(());
    }
    if grant.refresh_hash.as_deref() == Some(hash.as_str())
        || grant.previous_refresh_hash.as_deref() == Some(hash.as_str())
    {
        return rows::delete_grant(sql, grant_id).map_err(storage);
    }
    rows::delete_token(sql, &hash).map_err(storage)?;
    Ok(())
}

/// The user's grants, newest first.
pub(crate) fn list_user_grants(sql: &Sql, user_id: &str) -> Result<Vec<GrantSummary>, OAuthError> {
    Ok(rows::user_grants(sql, user_id)
        .map_err(storage)?
        .into_iter()
        .map(|g| GrantSummary {
            scope: scope_of(&g.scope),
            metadata: serde_json::from_str(&g.metadata).unwrap_or(Value::Null),
            grant_id: g.grant_id,
            client_id: g.client_id,
            created_ms: g.created_ms,
            expires_ms: g.expires_ms,
        })
        .collect())
}

/// Ends a grant of `user_id` and its tokens; `false` when there was none.
pub(crate) fn revoke_grant(sql: &Sql, grant_id: &str, user_id: &str) -> Result<bool, OAuthError> {
    match rows::grant(sql, grant_id).map_err(storage)? {
        Some(grant) if grant.user_id == user_id => rows::delete_grant(sql, grant_id).map(|()| true).map_err(storage),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_grant_ids_share_their_first_character() {
        let a = new_grant_id("ada").unwrap();
        let b = new_grant_id("ada").unwrap();
        assert_eq!(a.len(), GRANT_ID_CHARS);
        assert_ne!(a, b);
        assert_eq!(a.chars().next(), b.chars().next());
        assert!(grant_of(&format!("{a}:{}", "A".repeat(SECRET_CHARS))).is_some());
    }

    #[test]
    fn token_shapes() {
        let grant = "abcdefghijklmnop";
        let secret = "A".repeat(SECRET_CHARS);
        assert_eq!(grant_of(&format!("{grant}:{secret}")), Some(grant));
        assert_eq!(grant_of(&format!("{grant}:{secret}x")), None);
        assert_eq!(grant_of(&format!("short:{secret}")), None);
        assert_eq!(grant_of("no-colon"), None);
        assert_eq!(grant_of(&format!("{grant}:{}", "é".repeat(SECRET_CHARS))), None);
    }

    #[test]
    fn audiences() {
        assert_eq!(audience(Some("https://a.example/mcp"), None).unwrap().as_deref(), Some("https://a.example/mcp"));
        assert!(audience(Some("https://a.example"), Some("https://a.example/")).is_ok());
        assert_eq!(
            audience(Some("https://a.example/mcp"), Some("https://b.example/mcp")).unwrap_err().code,
            ErrorCode::InvalidTarget
        );
        assert_eq!(audience(None, Some("https://b.example/mcp")).unwrap_err().code, ErrorCode::InvalidTarget);
    }

    #[test]
    fn issued_bodies_leave_out_what_is_absent() {
        let issued = Issued {
            access_token: "g:a".into(),
            expires_in: 3600,
            refresh_token: None,
            scope: vec!["read".into(), "write".into()],
            resource: None,
        };
        assert_eq!(
            issued.to_json(),
            serde_json::json!({"access_token": "g:a", "token_type": "bearer", "expires_in": 3600, "scope": "read write"})
        );
    }
}
