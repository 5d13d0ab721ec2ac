//! A chat room: messages stored in the agent's SQLite, broadcast to every
//! connection, history served over HTTP.

use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};
use workers_agents::prelude::*;

/// Room state synced to clients: who is here.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Schema)]
pub struct RoomState {
    /// How many connections the room has.
    online: u32,
}

/// One stored chat message.
#[derive(Debug, Clone, Serialize, Deserialize, Schema)]
pub struct ChatMessage {
    /// Its id, in the order messages were sent.
    id: i64,
    /// Who sent it.
    user: String,
    /// The text.
    text: String,
    /// When it was sent (ms since the epoch).
    at: f64,
}

/// A chat message sent as a plain frame: `{"type":"chat","user":..,"text":..}`.
#[derive(Deserialize)]
struct ChatFrame {
    #[serde(rename = "type")]
    kind: String,
    user: String,
    text: String,
}

/// The chat room agent: `send`, `recent`, chat frames, `GET .../history`.
#[derive(Debug)]
pub struct ChatRoom;

/// Longest message text, in bytes.
const MAX_TEXT_BYTES: usize = 4096;
/// Longest user name, in bytes.
const MAX_USER_BYTES: usize = 64;
/// Most messages one history read returns (`recent`, `GET .../history?limit=`).
const MAX_HISTORY: u32 = 500;
/// Largest frame a client may send: a message at its longest, even with every
/// character escaped in the JSON (6 bytes each), fits.
const MAX_FRAME_BYTES: usize = 32 * 1024;

fn check_limit(limit: u32) -> Result<u32> {
    if limit > MAX_HISTORY {
        return Err(Error::BadRequest(format!("limit must be at most {MAX_HISTORY} (got {limit})")));
    }
    Ok(limit)
}

impl ChatRoom {
    fn post(&self, ctx: &Context<Self>, user: &str, text: &str) -> Result<ChatMessage> {
        if text.is_empty() || text.len() > MAX_TEXT_BYTES || user.is_empty() || user.len() > MAX_USER_BYTES {
            return Err(Error::BadRequest(format!(
                "user must be 1-{MAX_USER_BYTES} bytes and text 1-{MAX_TEXT_BYTES} bytes"
            )));
        }
        let at = worker::Date::now().as_millis() as f64;
        let message: ChatMessage = ctx
            .sql()
            .query_one(
                "INSERT INTO messages (user, text, at) VALUES (?, ?, ?) RETURNING id, user, text, at",
                params![user, text, at],
            )?
            .ok_or_else(|| Error::BadRequest("insert returned no row".into()))?;
        let frame = serde_json::json!({ "type": "chat", "message": message }).to_string();
        ctx.broadcast(&frame, &[]);
        Ok(message)
    }

    fn history(&self, ctx: &Context<Self>, limit: u32) -> Result<Vec<ChatMessage>> {
        let mut rows: Vec<ChatMessage> = ctx.sql().query(
            "SELECT id, user, text, at FROM messages ORDER BY id DESC LIMIT ?",
            params![i64::from(check_limit(limit)?)],
        )?;
        rows.reverse();
        Ok(rows)
    }

    fn set_online(&self, ctx: &Context<Self>) -> Result<()> {
        let online = ctx.connections().len() as u32;
        ctx.update_state(|s| s.online = online)
    }
}

/// A chat room: messages stored in SQL and broadcast to every connection.
#[agent]
impl Agent for ChatRoom {
    type State = RoomState;

    const MAX_MESSAGE_BYTES: usize = MAX_FRAME_BYTES;

    fn new(_env: &Env) -> Self {
        ChatRoom
    }

    fn initial_state(&self) -> RoomState {
        RoomState::default()
    }

    /// Posts `text` as `user`, broadcasts it to every connection, and returns it.
    #[callable]
    async fn send(&self, ctx: &Context<Self>, user: String, text: String) -> Result<ChatMessage> {
        self.post(ctx, &user, &text)
    }

    /// The last `limit` (default 50) messages, oldest first.
    #[callable]
    async fn recent(&self, ctx: &Context<Self>, limit: Option<u32>) -> Result<Vec<ChatMessage>> {
        self.history(ctx, limit.unwrap_or(50))
    }

    /// Who is online is counted by the room: clients may not push a state.
    fn validate_state_change(
        &self,
        _ctx: &Context<Self>,
        _next: &RoomState,
        source: StateSource<'_>,
    ) -> Result<(), String> {
        match source {
            StateSource::Server => Ok(()),
            StateSource::Connection(_) => Err("only the room sets its state".into()),
        }
    }

    async fn on_start(&self, ctx: &Context<Self>) -> Result<()> {
        ctx.sql().execute_batch(
            "CREATE TABLE IF NOT EXISTS messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user TEXT NOT NULL,
                text TEXT NOT NULL,
                at REAL NOT NULL
            )",
        )
    }

    async fn on_connect(&self, ctx: &Context<Self>, _connection: &Connection, _req: &Request) -> Result<()> {
        self.set_online(ctx)
    }

    async fn on_close(
        &self,
        ctx: &Context<Self>,
        _c: &Connection,
        _code: u16,
        _reason: &str,
        _clean: bool,
    ) -> Result<()> {
        self.set_online(ctx)
    }

    async fn on_message(&self, ctx: &Context<Self>, connection: &Connection, message: Message) -> Result<()> {
        let Message::Text(text) = message else {
            return connection.send(r#"{"type":"error","error":"binary frames are not supported"}"#);
        };
        match serde_json::from_str::<ChatFrame>(&text) {
            Ok(frame) if frame.kind == "chat" => self.post(ctx, &frame.user, &frame.text).map(|_| ()),
            _ => connection.send_json(&serde_json::json!({
                "type": "error",
                "error": "expected {\"type\":\"chat\",\"user\":string,\"text\":string}"
            })),
        }
    }

    async fn on_request(&self, ctx: &Context<Self>, req: Request) -> Result<Response> {
        let url = req.url()?;
        if url.path().ends_with("/history") {
            let limit = match url.query_pairs().find(|(k, _)| k == "limit") {
                None => 50,
                Some((_, v)) => match v.parse::<u32>() {
                    Ok(limit) if limit <= MAX_HISTORY => limit,
                    _ => {
                        let told = format!("limit must be a whole number, at most {MAX_HISTORY}");
                        return Ok(Response::error(told, 400)?);
                    }
                },
            };
            return Ok(Response::from_json(&self.history(ctx, limit)?)?);
        }
        Ok(Response::error("Not found", 404)?)
    }
}
