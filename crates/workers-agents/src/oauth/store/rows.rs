//! The grant store's tables and the statements on them. Every statement is
//! synchronous (the Durable Object's SQLite), so a check and the write that
//! follows it run with nothing in between.

use serde::Deserialize;

use crate::{params, Result, Sql, SqlValue};

/// The tables: grants (one per user and client authorization, with its
/// current code and refresh tokens as hashes) and access tokens.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS oauth_grants (
  grant_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  metadata TEXT NOT NULL,
  sealed_props TEXT NOT NULL,
  resource TEXT,
  redirect_uri TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER,
  code_hash TEXT,
  code_key TEXT,
  code_challenge TEXT,
  code_expires_ms INTEGER,
  refresh_hash TEXT,
  refresh_key TEXT,
  previous_refresh_hash TEXT,
  previous_refresh_key TEXT
);
CREATE INDEX IF NOT EXISTS oauth_grants_user ON oauth_grants (user_id);
CREATE INDEX IF NOT EXISTS oauth_grants_expiry ON oauth_grants (expires_ms);
CREATE TABLE IF NOT EXISTS oauth_tokens (
  token_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  audience TEXT,
  token_key TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX IF NOT EXISTS oauth_tokens_expiry ON oauth_tokens (expires_ms);
";

fn opt(value: Option<&str>) -> SqlValue {
    value.map_or(SqlValue::Null, SqlValue::from)
}

fn opt_i64(value: Option<i64>) -> SqlValue {
    value.map_or(SqlValue::Null, SqlValue::from)
}

/// One grant, as stored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GrantRow {
    pub(crate) grant_id: String,
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    /// JSON array of scope tokens.
    pub(crate) scope: String,
    /// JSON the app attached (a label for listings).
    pub(crate) metadata: String,
    /// base64url of the props sealed with the grant's key.
    pub(crate) sealed_props: String,
    pub(crate) resource: Option<String>,
    pub(crate) redirect_uri: String,
    pub(crate) created_ms: i64,
    pub(crate) expires_ms: Option<i64>,
    pub(crate) code_hash: Option<String>,
    /// The grant's key sealed under the code; `None` once the code was used.
    pub(crate) code_key: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) code_expires_ms: Option<i64>,
    pub(crate) refresh_hash: Option<String>,
    pub(crate) refresh_key: Option<String>,
    pub(crate) previous_refresh_hash: Option<String>,
    pub(crate) previous_refresh_key: Option<String>,
}

pub(crate) fn insert_grant(sql: &Sql, g: &GrantRow) -> Result<()> {
    sql.execute(
        "INSERT INTO oauth_grants (grant_id, user_id, client_id, scope, metadata, sealed_props, resource, redirect_uri,
           created_ms, expires_ms, code_hash, code_key, code_challenge, code_expires_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            g.grant_id.as_str().into(),
            g.user_id.as_str().into(),
            g.client_id.as_str().into(),
            g.scope.as_str().into(),
            g.metadata.as_str().into(),
            g.sealed_props.as_str().into(),
            opt(g.resource.as_deref()),
            g.redirect_uri.as_str().into(),
            g.created_ms.into(),
            opt_i64(g.expires_ms),
            opt(g.code_hash.as_deref()),
            opt(g.code_key.as_deref()),
            opt(g.code_challenge.as_deref()),
            opt_i64(g.code_expires_ms),
        ],
    )?;
    Ok(())
}

pub(crate) fn grant(sql: &Sql, grant_id: &str) -> Result<Option<GrantRow>> {
    sql.query_one("SELECT * FROM oauth_grants WHERE grant_id = ?", params![grant_id])
}

/// The user's grants, newest first.
pub(crate) fn user_grants(sql: &Sql, user_id: &str) -> Result<Vec<GrantRow>> {
    sql.query("SELECT * FROM oauth_grants WHERE user_id = ? ORDER BY created_ms DESC", params![user_id])
}

/// Marks the grant's code used (keeping its hash, to know a replay);
/// `false` when it already was.
pub(crate) fn consume_code(sql: &Sql, grant_id: &str) -> Result<bool> {
    let changed = sql.execute(
        "UPDATE oauth_grants SET code_key = NULL, code_challenge = NULL WHERE grant_id = ? AND code_key IS NOT NULL",
        params![grant_id],
    )?;
    Ok(changed == 1)
}

/// The new current refresh token; the presented one becomes the previous
/// (accepted once more, for a client that lost the answer).
pub(crate) fn rotate_refresh(
    sql: &Sql,
    grant_id: &str,
    current: Option<(&str, &str)>,
    previous: Option<(&str, &str)>,
    expires_ms: Option<i64>,
) -> Result<()> {
    sql.execute(
        "UPDATE oauth_grants SET refresh_hash = ?, refresh_key = ?, previous_refresh_hash = ?, previous_refresh_key = ?,
           expires_ms = ? WHERE grant_id = ?",
        vec![
            opt(current.map(|c| c.0)),
            opt(current.map(|c| c.1)),
            opt(previous.map(|p| p.0)),
            opt(previous.map(|p| p.1)),
            opt_i64(expires_ms),
            grant_id.into(),
        ],
    )?;
    Ok(())
}

/// Deletes the grants `user_id` gave `client_id` (only those to
/// `redirect_uri`, when given), with their tokens.
pub(crate) fn delete_user_client_grants(
    sql: &Sql,
    user_id: &str,
    client_id: &str,
    redirect_uri: Option<&str>,
) -> Result<()> {
    let old: Vec<Id> = match redirect_uri {
        None => sql.query(
            "SELECT grant_id FROM oauth_grants WHERE user_id = ? AND client_id = ?",
            params![user_id, client_id],
        )?,
        Some(uri) => sql.query(
            "SELECT grant_id FROM oauth_grants WHERE user_id = ? AND client_id = ? AND redirect_uri = ?",
            params![user_id, client_id, uri],
        )?,
    };
    for id in &old {
        delete_grant(sql, &id.grant_id)?;
    }
    Ok(())
}

/// Deletes a grant and every token issued from it.
pub(crate) fn delete_grant(sql: &Sql, grant_id: &str) -> Result<()> {
    sql.execute("DELETE FROM oauth_tokens WHERE grant_id = ?", params![grant_id])?;
    sql.execute("DELETE FROM oauth_grants WHERE grant_id = ?", params![grant_id])?;
    Ok(())
}

/// One access token, as stored, with its grant's columns a check needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TokenRow {
    pub(crate) grant_id: String,
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) audience: Option<String>,
    pub(crate) token_key: String,
    pub(crate) sealed_props: String,
    pub(crate) expires_ms: i64,
}

pub(crate) struct NewToken<'a> {
    pub(crate) hash: &'a str,
    pub(crate) grant_id: &'a str,
    pub(crate) scope: &'a str,
    pub(crate) audience: Option<&'a str>,
    pub(crate) key: &'a str,
    pub(crate) created_ms: i64,
    pub(crate) expires_ms: i64,
}

pub(crate) fn insert_token(sql: &Sql, t: &NewToken<'_>) -> Result<()> {
    sql.execute(
        "INSERT INTO oauth_tokens (token_hash, grant_id, scope, audience, token_key, created_ms, expires_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![
            t.hash.into(),
            t.grant_id.into(),
            t.scope.into(),
            opt(t.audience),
            t.key.into(),
            t.created_ms.into(),
            t.expires_ms.into(),
        ],
    )?;
    Ok(())
}

/// An access token whose grant still exists (a token outliving its grant,
/// revoked or replayed, is no token).
pub(crate) fn token(sql: &Sql, hash: &str) -> Result<Option<TokenRow>> {
    sql.query_one(
        "SELECT t.grant_id, g.user_id, g.client_id, t.scope, t.audience, t.token_key, g.sealed_props, t.expires_ms
         FROM oauth_tokens t JOIN oauth_grants g ON g.grant_id = t.grant_id WHERE t.token_hash = ?",
        params![hash],
    )
}

pub(crate) fn delete_token(sql: &Sql, hash: &str) -> Result<bool> {
    Ok(sql.execute("DELETE FROM oauth_tokens WHERE token_hash = ?", params![hash])? == 1)
}

/// Deletes expired tokens, and grants whose code expired unused or whose
/// refresh lifetime ended; returns how many rows went.
pub(crate) fn purge(sql: &Sql, now_ms: i64) -> Result<usize> {
    let tokens = sql.execute("DELETE FROM oauth_tokens WHERE expires_ms <= ?", params![now_ms])?;
    let expired = sql.query::<Id>(
        "SELECT grant_id FROM oauth_grants WHERE (expires_ms IS NOT NULL AND expires_ms <= ?)
           OR (code_key IS NOT NULL AND refresh_hash IS NULL AND code_expires_ms <= ?)",
        params![now_ms, now_ms],
    )?;
    for id in &expired {
        delete_grant(sql, &id.grant_id)?;
    }
    Ok(tokens + expired.len())
}

#[derive(Deserialize)]
struct Id {
    grant_id: String,
}
