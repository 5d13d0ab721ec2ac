//! Registered clients: their records and secret hashes, in the store shard
//! their id names.

use serde::{Deserialize, Serialize};

use crate::oauth::Client;
use crate::{params, Result, Sql, SqlValue};

/// The clients table.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS oauth_clients (
  client_id TEXT PRIMARY KEY,
  record TEXT NOT NULL,
  secret_hash TEXT,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER
);
";

/// A client as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredClient {
    /// Its record.
    pub client: Client,
    /// SHA-256 (hex) of its secret; `None` for a public client.
    pub secret_hash: Option<String>,
}

#[derive(Deserialize)]
struct Row {
    record: String,
    secret_hash: Option<String>,
    expires_ms: Option<i64>,
}

/// Stores (or replaces) a client.
pub(crate) fn put(sql: &Sql, stored: &StoredClient, now_ms: i64, expires_ms: Option<i64>) -> Result<()> {
    let record = serde_json::to_string(&stored.client)?;
    sql.execute(
        "INSERT OR REPLACE INTO oauth_clients (client_id, record, secret_hash, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)",
        vec![
            stored.client.client_id.as_str().into(),
            record.into(),
            stored.secret_hash.as_deref().map_or(SqlValue::Null, SqlValue::from),
            now_ms.into(),
            expires_ms.map_or(SqlValue::Null, SqlValue::from),
        ],
    )?;
    Ok(())
}

/// The client, unless it does not exist or its registration expired.
pub(crate) fn get(sql: &Sql, client_id: &str, now_ms: i64) -> Result<Option<StoredClient>> {
    let row: Option<Row> = sql.query_one(
        "SELECT record, secret_hash, expires_ms FROM oauth_clients WHERE client_id = ?",
        params![client_id],
    )?;
    let Some(row) = row.filter(|r| r.expires_ms.is_none_or(|end| end > now_ms)) else {
        return Ok(None);
    };
    Ok(Some(StoredClient { client: serde_json::from_str(&row.record)?, secret_hash: row.secret_hash }))
}

/// Deletes a client; `false` when there was none.
pub(crate) fn delete(sql: &Sql, client_id: &str) -> Result<bool> {
    Ok(sql.execute("DELETE FROM oauth_clients WHERE client_id = ?", params![client_id])? == 1)
}

/// Deletes clients whose registration expired.
pub(crate) fn purge(sql: &Sql, now_ms: i64) -> Result<usize> {
    sql.execute("DELETE FROM oauth_clients WHERE expires_ms IS NOT NULL AND expires_ms <= ?", params![now_ms])
}
