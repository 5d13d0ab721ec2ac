//! The running stream in SQLite: one row per stream (its request id, the
//! message it builds, whether it continues one), one row per chunk (or
//! several, for a chunk larger than a row allows), written before the
//! chunk's frame is sent and deleted with the stream when its assistant
//! message is stored. A stream row found when an instance wakes is one an
//! eviction cut (see `recover`). Also the last request's context (its custom
//! body fields and the page's tools), which a continuation reuses.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::messages::pieces;
use super::store::PIECE_BYTES;
use crate::ai::ToolDefinition;
use crate::storage::schema::{Migrations, Schema};
use crate::storage::sql::Sql;
use crate::Result;

/// The stream, chunk and request-context tables.
pub(super) const MIGRATIONS: Migrations = Migrations {
    key: "schema.chat.streams",
    steps: &["CREATE TABLE IF NOT EXISTS cf_agents_chat_streams (
        request_id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        continuation INTEGER NOT NULL,
        started_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS cf_agents_chat_chunks (
        request_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        piece INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (request_id, seq, piece)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS cf_agents_chat_context (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )"],
    legacy: |_| 0,
};

const INSERT_CHUNK: &str = "INSERT INTO cf_agents_chat_chunks (request_id, seq, piece, body) VALUES (?, ?, ?, ?)";

/// A stream row.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StreamRow {
    pub(crate) request_id: String,
    pub(crate) message_id: String,
    pub(crate) continuation: i64,
}

#[derive(Deserialize)]
struct ChunkRow {
    seq: i64,
    body: String,
}

#[derive(Deserialize)]
struct ContextRow {
    value: String,
}

/// Key of the last request's custom body fields.
const LAST_BODY: &str = "lastBody";
/// Key of the last request's client tools.
const LAST_CLIENT_TOOLS: &str = "lastClientTools";

/// Creates the tables (once per instance; a look-up in memory after).
pub(crate) fn ensure(sql: &Sql, schema: &Schema) -> Result<()> {
    schema.ensure(sql, &MIGRATIONS)
}

/// Records a stream that starts (the tables exist: see [`ensure`]).
pub(crate) fn begin(sql: &Sql, request_id: &str, message_id: &str, continuation: bool) -> Result<()> {
    let now = worker::Date::now().as_millis() as i64;
    sql.execute("DELETE FROM cf_agents_chat_chunks WHERE request_id = ?", crate::params![request_id])?;
    sql.execute(
        "INSERT OR REPLACE INTO cf_agents_chat_streams (request_id, message_id, continuation, started_ms) VALUES (?, ?, ?, ?)",
        crate::params![request_id, message_id, continuation as i64, now],
    )?;
    Ok(())
}

/// Stores one chunk: one row, or one per piece of [`PIECE_BYTES`].
pub(crate) fn insert_chunk(sql: &Sql, request_id: &str, seq: u64, body: &str) -> Result<()> {
    if body.len() <= PIECE_BYTES {
        sql.execute(INSERT_CHUNK, crate::params![request_id, seq as i64, 0i64, body])?;
        return Ok(());
    }
    // All the pieces or none: a half-stored chunk would be joined into a
    // replay, and block its `seq` for the next chunk.
    sql.transaction(|sql| {
        for (piece, data) in pieces(body, PIECE_BYTES).into_iter().enumerate() {
            sql.execute(INSERT_CHUNK, crate::params![request_id, seq as i64, piece as i64, data])?;
        }
        Ok(())
    })
}

/// A stream's chunks, in order: `(seq, body)`.
pub(crate) fn chunks(sql: &Sql, request_id: &str) -> Result<Vec<(u64, String)>> {
    let rows: Vec<ChunkRow> = sql.query(
        "SELECT seq, body FROM cf_agents_chat_chunks WHERE request_id = ? ORDER BY seq, piece",
        crate::params![request_id],
    )?;
    Ok(join_pieces(rows.into_iter().map(|r| (r.seq as u64, r.body))))
}

/// Joins the pieces of each chunk (rows in order, pieces of a chunk sharing its `seq`).
fn join_pieces(rows: impl IntoIterator<Item = (u64, String)>) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = Vec::new();
    for (seq, body) in rows {
        match out.last_mut() {
            Some((last, text)) if *last == seq => text.push_str(&body),
            _ => out.push((seq, body)),
        }
    }
    out
}

/// Deletes a stream and its chunks.
pub(crate) fn delete(sql: &Sql, schema: &Schema, request_id: &str) -> Result<()> {
    if schema.has(&MIGRATIONS) {
        sql.execute("DELETE FROM cf_agents_chat_chunks WHERE request_id = ?", crate::params![request_id])?;
        sql.execute("DELETE FROM cf_agents_chat_streams WHERE request_id = ?", crate::params![request_id])?;
    }
    Ok(())
}

/// Every stream row, oldest first (at a wake: the streams an eviction cut).
pub(crate) fn streams(sql: &Sql, schema: &Schema) -> Result<Vec<StreamRow>> {
    if !schema.has(&MIGRATIONS) {
        return Ok(Vec::new());
    }
    sql.query(
        "SELECT request_id, message_id, continuation FROM cf_agents_chat_streams ORDER BY started_ms, request_id",
        Vec::new(),
    )
}

/// Deletes every stream and the last request's context (the history was
/// cleared).
pub(crate) fn clear(sql: &Sql, schema: &Schema) -> Result<()> {
    if schema.has(&MIGRATIONS) {
        sql.execute("DELETE FROM cf_agents_chat_chunks", Vec::new())?;
        sql.execute("DELETE FROM cf_agents_chat_streams", Vec::new())?;
        // The last request's body and client tools go with the history.
        sql.execute("DELETE FROM cf_agents_chat_context", Vec::new())?;
    }
    Ok(())
}

/// Keeps the last request's custom body fields and client tools.
pub(crate) fn save_context(
    sql: &Sql,
    schema: &Schema,
    body: Option<&Map<String, Value>>,
    client_tools: &[ToolDefinition],
) -> Result<()> {
    ensure(sql, schema)?;
    let put = "INSERT OR REPLACE INTO cf_agents_chat_context (key, value) VALUES (?, ?)";
    if let Some(body) = body {
        sql.execute(put, crate::params![LAST_BODY, Value::Object(body.clone()).to_string()])?;
    }
    sql.execute(put, crate::params![LAST_CLIENT_TOOLS, tools_json(client_tools).to_string()])?;
    Ok(())
}

/// The last request's custom body fields and client tools (empty when none
/// was kept).
pub(crate) fn load_context(sql: &Sql, schema: &Schema) -> Result<(Map<String, Value>, Vec<ToolDefinition>)> {
    if !schema.has(&MIGRATIONS) {
        return Ok((Map::new(), Vec::new()));
    }
    let get = |key: &str| -> Result<Option<Value>> {
        let row: Option<ContextRow> =
            sql.query_one("SELECT value FROM cf_agents_chat_context WHERE key = ?", crate::params![key])?;
        Ok(row.and_then(|r| serde_json::from_str(&r.value).ok()))
    };
    let body = match get(LAST_BODY)? {
        Some(Value::Object(body)) => body,
        _ => Map::new(),
    };
    let tools = get(LAST_CLIENT_TOOLS)?.map(|t| tools_from_json(&t)).unwrap_or_default();
    Ok((body, tools))
}

fn tools_json(tools: &[ToolDefinition]) -> Value {
    serde_json::to_value(tools).unwrap_or(Value::Null)
}

fn tools_from_json(value: &Value) -> Vec<ToolDefinition> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_the_pieces_of_each_chunk() {
        let rows = [(0, "a".to_owned()), (1, "bc".to_owned()), (1, "de".to_owned()), (2, String::new())];
        assert_eq!(join_pieces(rows), [(0, "a".to_owned()), (1, "bcde".to_owned()), (2, String::new())]);
    }

    #[test]
    fn keeps_client_tools_as_json() {
        let tools = vec![ToolDefinition {
            name: "where".into(),
            description: "The user's city".into(),
            parameters: serde_json::json!({ "type": "object" }),
        }];
        assert_eq!(tools_from_json(&tools_json(&tools)), tools);
        assert!(tools_from_json(&serde_json::json!({ "not": "a list" })).is_empty());
    }
}
