//! Resumable SSE streams of an MCP session. Every message sent on a stream
//! gets an event id (`{stream}_{seq}`) and is written to the session's
//! SQLite before it is pushed to the connection, so a client that lost the
//! connection (or whose stream the server closed) reconnects with GET and
//! `Last-Event-ID` and receives what it missed, then the rest.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Deserialize;
use serde_json::Value;

use crate::sse::body::Outbox;
use crate::sse::framing::event;
use crate::storage::sql::Sql;

/// How long the client should wait before reconnecting, in ms (the `retry` field).
pub(crate) const RETRY_MS: u64 = 500;
/// Events older than this are pruned when a new stream starts.
const KEEP_EVENTS_MS: i64 = 10 * 60 * 1000;
/// The newest events of a stream kept for resumption; older ones are
/// dropped as new ones are stored, so one long stream cannot fill storage.
pub const MAX_KEPT_EVENTS: i64 = 1_000;
/// Stored events replayed per read, so a replay holds a page in memory.
const REPLAY_PAGE: i64 = 100;

/// The parts of an event id: stream and sequence number.
pub(crate) fn parse_event_id(id: &str) -> Option<(&str, i64)> {
    let (stream, seq) = id.rsplit_once('_')?;
    let seq = seq.parse().ok()?;
    (!stream.is_empty() && stream.bytes().all(|b| b.is_ascii_alphanumeric())).then_some((stream, seq))
}

/// One logical SSE stream: a POST's response stream, or the session's GET
/// stream. Its connection (the `Outbox` a response body drains) can be
/// replaced when the client reconnects.
pub(crate) struct EventStream {
    id: String,
    sql: Sql,
    next_seq: Cell<i64>,
    connection: RefCell<Option<Rc<Outbox>>>,
    finished: Cell<bool>,
}

#[derive(Deserialize)]
struct StoredEvent {
    seq: i64,
    data: String,
}

impl EventStream {
    /// A new stream with a fresh id, attached to `outbox`, which first gets
    /// (when `prime`) the priming event: an id, the retry delay, empty data.
    pub(crate) fn open(sql: Sql, outbox: Rc<Outbox>, prime: bool) -> Rc<Self> {
        let id = crate::ids::uuid_v4().replace('-', "")[..16].to_owned();
        let now = worker::Date::now().as_millis() as i64;
        if let Err(e) =
            sql.execute("DELETE FROM cf_agents_mcp_events WHERE created_ms < ?", crate::params![now - KEEP_EVENTS_MS])
        {
            worker::console_warn!("pruning MCP events failed: {e}");
        }
        if prime {
            outbox.push(format!("id: {id}_0\nretry: {RETRY_MS}\ndata: \n\n"));
        }
        Rc::new(EventStream {
            id,
            sql,
            next_seq: Cell::new(1),
            connection: RefCell::new(Some(outbox)),
            finished: Cell::new(false),
        })
    }

    /// The stream id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Stores and sends one JSON-RPC message. `false`: stored, but no client
    /// connection took it (it is redelivered on reconnect).
    pub(crate) fn send(&self, message: &Value) -> bool {
        let seq = self.next_seq.replace(self.next_seq.get() + 1);
        let data = message.to_string();
        let stored = self.sql.execute(
            "INSERT INTO cf_agents_mcp_events (stream, seq, data, created_ms) VALUES (?, ?, ?, ?)",
            crate::params![self.id.as_str(), seq, data.as_str(), worker::Date::now().as_millis() as i64],
        );
        if let Err(e) = stored {
            worker::console_warn!("storing MCP event failed: {e}");
        }
        if seq > MAX_KEPT_EVENTS {
            let dropped = self.sql.execute(
                "DELETE FROM cf_agents_mcp_events WHERE stream = ? AND seq <= ?",
                crate::params![self.id.as_str(), seq - MAX_KEPT_EVENTS],
            );
            if let Err(e) = dropped {
                worker::console_warn!("dropping old MCP events failed: {e}");
            }
        }
        let id = format!("{}_{seq}", self.id);
        match self.connection.borrow().as_ref() {
            Some(outbox) => outbox.push(event(Some("message"), Some(&id), &data)),
            None => false,
        }
    }

    /// Closes the client's connection; the stream lives on, and the client
    /// may resume it with `Last-Event-ID`.
    pub(crate) fn disconnect(&self) {
        if let Some(outbox) = self.connection.borrow_mut().take() {
            outbox.close();
        }
    }

    /// The request this stream answers is done: close the connection once drained.
    pub(crate) fn finish(&self) {
        self.finished.set(true);
        self.disconnect();
    }

    /// Whether a client connection is attached and open.
    pub(crate) fn is_connected(&self) -> bool {
        self.connection.borrow().as_ref().is_some_and(|o| o.is_open())
    }

    /// Attaches a reconnecting client: replays the events after `after`, then
    /// (while the request still runs) sends the rest live; a finished stream
    /// closes after the replay.
    pub(crate) fn resume(&self, outbox: Rc<Outbox>, after: i64) {
        replay(&self.sql, &self.id, after, &outbox);
        if self.finished.get() {
            outbox.close();
        } else if let Some(old) = self.connection.borrow_mut().replace(outbox) {
            old.close();
        }
    }
}

/// Pushes the stored events of `stream` after `after` into `outbox`, a page at a time.
pub(crate) fn replay(sql: &Sql, stream: &str, mut after: i64, outbox: &Outbox) {
    loop {
        let events: Vec<StoredEvent> = sql
            .query(
                "SELECT seq, data FROM cf_agents_mcp_events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?",
                crate::params![stream, after, REPLAY_PAGE],
            )
            .unwrap_or_default();
        let full = events.len() as i64 == REPLAY_PAGE;
        for stored in events {
            outbox.push(event(Some("message"), Some(&format!("{stream}_{}", stored.seq)), &stored.data));
            after = stored.seq;
        }
        if !full {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_event_ids() {
        assert_eq!(parse_event_id("abc123_7"), Some(("abc123", 7)));
        assert_eq!(parse_event_id("abc_0"), Some(("abc", 0)));
        assert_eq!(parse_event_id("abc"), None);
        assert_eq!(parse_event_id("_7"), None);
        assert_eq!(parse_event_id("a'b_7"), None);
        assert_eq!(parse_event_id("abc_x"), None);
    }
}
