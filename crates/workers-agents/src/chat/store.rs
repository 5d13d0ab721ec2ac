//! The stored transcript: one `UIMessage` per message, in order, its JSON
//! text cut into pieces of at most [`PIECE_BYTES`] (a Durable Object's SQLite
//! row holds at most 2 MB), so a message of any size that fits a frame is
//! stored whole.

use serde::Deserialize;
use serde_json::Value;

use super::messages::{id_of, pieces, role_of};
use super::part::MIGRATIONS;
use crate::storage::schema::Schema;
use crate::storage::sql::Sql;
use crate::Result;

/// The largest piece of a message's JSON text stored in one row: 1 MiB.
pub const PIECE_BYTES: usize = 1024 * 1024;

/// The chat transcript of an agent (`ctx.chat_messages()`).
pub struct ChatMessages<'a> {
    sql: &'a Sql,
    schema: &'a Schema,
}

#[derive(Deserialize)]
struct Piece {
    id: String,
    data: String,
}

impl<'a> ChatMessages<'a> {
    pub(crate) fn new(sql: &'a Sql, schema: &'a Schema) -> Self {
        ChatMessages { sql, schema }
    }

    fn table(&self) -> Result<&'a Sql> {
        self.schema.ensure(self.sql, &MIGRATIONS)?;
        Ok(self.sql)
    }

    /// Every message as its stored JSON text, oldest first: `(id, json)`.
    pub fn texts(&self) -> Result<Vec<(String, String)>> {
        if !self.schema.has(&MIGRATIONS) {
            return Ok(Vec::new());
        }
        let rows: Vec<Piece> =
            self.sql.query("SELECT id, data FROM cf_agents_chat_messages ORDER BY position, id, piece", Vec::new())?;
        let mut out: Vec<(String, String)> = Vec::new();
        for row in rows {
            match out.last_mut() {
                Some((id, text)) if *id == row.id => text.push_str(&row.data),
                _ => out.push((row.id, row.data)),
            }
        }
        Ok(out)
    }

    /// The transcript as one JSON array's text (what `get-messages` answers).
    pub fn json(&self) -> Result<String> {
        let texts = self.texts()?;
        let mut out = String::with_capacity(texts.iter().map(|(_, t)| t.len() + 1).sum::<usize>() + 2);
        out.push('[');
        for (i, (_, text)) in texts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(text);
        }
        out.push(']');
        Ok(out)
    }

    /// Every message, oldest first.
    pub fn list(&self) -> Result<Vec<Value>> {
        self.texts()?
            .into_iter()
            .map(|(_, text)| serde_json::from_str(&text).map_err(|e| crate::Error::msg(format!("stored message: {e}"))))
            .collect()
    }

    /// Stores `message` (by its `id`): a new one after the others, a known
    /// one in place. Returns whether anything changed.
    pub fn upsert(&self, message: &Value) -> Result<bool> {
        let text = message.to_string();
        self.upsert_text(id_of(message), role_of(message), &text)
    }

    fn upsert_text(&self, id: &str, role: &str, text: &str) -> Result<bool> {
        let sql = self.table()?;
        #[derive(Deserialize)]
        struct Position {
            position: i64,
        }
        let known: Option<Position> = sql
            .query_one("SELECT position FROM cf_agents_chat_messages WHERE id = ? AND piece = 0", crate::params![id])?;
        let position = match known {
            Some(Position { position }) => {
                let stored: Vec<Piece> = sql.query(
                    "SELECT id, data FROM cf_agents_chat_messages WHERE id = ? ORDER BY piece",
                    crate::params![id],
                )?;
                if stored.iter().map(|p| p.data.as_str()).eq(pieces(text, PIECE_BYTES)) {
                    return Ok(false);
                }
                sql.execute("DELETE FROM cf_agents_chat_messages WHERE id = ?", crate::params![id])?;
                position
            }
            None => {
                let next: Option<Position> = sql.query_one(
                    "SELECT COALESCE(MAX(position), 0) + 1 AS position FROM cf_agents_chat_messages",
                    Vec::new(),
                )?;
                next.map_or(1, |p| p.position)
            }
        };
        let now = worker::Date::now().as_millis() as i64;
        for (piece, data) in pieces(text, PIECE_BYTES).into_iter().enumerate() {
            sql.execute(
                "INSERT INTO cf_agents_chat_messages (id, piece, position, role, data, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                crate::params![id, piece as i64, position, role, data, now],
            )?;
        }
        Ok(true)
    }

    /// Deletes one message.
    pub fn delete(&self, id: &str) -> Result<()> {
        if self.schema.has(&MIGRATIONS) {
            self.sql.execute("DELETE FROM cf_agents_chat_messages WHERE id = ?", crate::params![id])?;
        }
        Ok(())
    }

    /// Deletes every message.
    pub fn clear(&self) -> Result<()> {
        if self.schema.has(&MIGRATIONS) {
            self.sql.execute("DELETE FROM cf_agents_chat_messages", Vec::new())?;
        }
        Ok(())
    }

    /// Keeps the newest `max` messages, deleting the oldest.
    pub fn keep_newest(&self, max: usize) -> Result<()> {
        if self.schema.has(&MIGRATIONS) {
            self.sql.execute(
                "DELETE FROM cf_agents_chat_messages WHERE position NOT IN
                   (SELECT position FROM cf_agents_chat_messages WHERE piece = 0 ORDER BY position DESC LIMIT ?)",
                crate::params![max as i64],
            )?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for ChatMessages<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatMessages").finish_non_exhaustive()
    }
}
