//! Pending upstream logins: the `state` of a redirect to an upstream
//! provider, stored (as a hash) with the hash of the browser binding it was
//! given to and what the app needs back at the callback, for a short time.
//! Taking one is a check and a delete with no `await` between, so a state
//! is used once however many callbacks race.

use serde::{Deserialize, Serialize};

use crate::{params, Result, Sql};

/// The table.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS oauth_upstream_states (
  state_hash TEXT PRIMARY KEY,
  binding_hash TEXT NOT NULL,
  payload TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS oauth_upstream_states_expiry ON oauth_upstream_states (expires_ms);
";

/// A pending login as the store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    /// SHA-256 (hex) of the state sent upstream.
    pub state_hash: String,
    /// SHA-256 (hex) of the secret in the browser's binding cookie.
    pub binding_hash: String,
    /// What the app gets back (the original authorization request).
    pub payload: String,
    /// When it stops being accepted (Unix ms).
    pub expires_ms: i64,
}

/// What taking a state found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateTake {
    /// It was pending for this browser: its payload (and it is gone now).
    Taken(String),
    /// No such state: never issued, already used, or swept.
    Unknown,
    /// It expired (and is gone now).
    Expired,
    /// It was given to another browser (or the binding cookie is missing):
    /// left for the browser it belongs to.
    OtherBrowser,
}

#[derive(Deserialize)]
struct Row {
    binding_hash: String,
    payload: String,
    expires_ms: i64,
}

pub(crate) fn put(sql: &Sql, login: &PendingLogin) -> Result<()> {
    sql.execute(
        "INSERT INTO oauth_upstream_states (state_hash, binding_hash, payload, expires_ms) VALUES (?, ?, ?, ?)",
        params![login.state_hash.as_str(), login.binding_hash.as_str(), login.payload.as_str(), login.expires_ms],
    )?;
    Ok(())
}

/// Takes the state if it is pending for `binding_hash` at `now_ms`.
pub(crate) fn take(sql: &Sql, state_hash: &str, binding_hash: &str, now_ms: i64) -> Result<StateTake> {
    let row: Option<Row> = sql.query_one(
        "SELECT binding_hash, payload, expires_ms FROM oauth_upstream_states WHERE state_hash = ?",
        params![state_hash],
    )?;
    let Some(row) = row else { return Ok(StateTake::Unknown) };
    if row.expires_ms <= now_ms {
        delete(sql, state_hash)?;
        return Ok(StateTake::Expired);
    }
    if !crate::oauth::crypto::constant_time_eq(row.binding_hash.as_bytes(), binding_hash.as_bytes()) {
        return Ok(StateTake::OtherBrowser);
    }
    delete(sql, state_hash)?;
    Ok(StateTake::Taken(row.payload))
}

fn delete(sql: &Sql, state_hash: &str) -> Result<()> {
    sql.execute("DELETE FROM oauth_upstream_states WHERE state_hash = ?", params![state_hash])?;
    Ok(())
}

/// Deletes expired states.
pub(crate) fn purge(sql: &Sql, now_ms: i64) -> Result<usize> {
    sql.execute("DELETE FROM oauth_upstream_states WHERE expires_ms <= ?", params![now_ms])
}
