//! The client on the other end of one MCP request, as a tool handler sees it.

use std::cell::Cell;
use std::rc::Rc;

use serde_json::{json, Value};

use super::sse::{event, Outbox};

/// Log levels of `logging/setLevel` and `notifications/message`, least severe first.
pub const LOG_LEVELS: [&str; 8] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/// The client of the request being handled: sends it notifications while
/// the request runs, and tells whether it cancelled the request.
///
/// Notifications travel on the request's SSE stream; a request answered
/// with plain JSON (e.g. inside a batch) has nowhere to send them and they
/// are dropped (`notify` returns `false`).
#[derive(Clone)]
pub struct Peer {
    outbox: Option<Rc<Outbox>>,
    progress_token: Option<Value>,
    cancelled: Rc<Cell<bool>>,
    session_id: Rc<str>,
    min_log_level: usize,
}

impl Peer {
    pub(crate) fn new(
        outbox: Option<Rc<Outbox>>,
        params: &Value,
        cancelled: Rc<Cell<bool>>,
        session_id: Rc<str>,
        min_log_level: usize,
    ) -> Self {
        let progress_token = params.pointer("/_meta/progressToken").filter(|t| t.is_string() || t.is_number()).cloned();
        Peer { outbox, progress_token, cancelled, session_id, min_log_level }
    }

    /// The MCP session this request belongs to.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Whether the client sent `notifications/cancelled` for this request.
    /// A cancelled request gets no response; stop working when you see it.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// Sends a notification to the client. `false`: it could not be sent.
    pub fn notify(&self, method: &str, params: Value) -> bool {
        let Some(outbox) = &self.outbox else { return false };
        let message = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        outbox.push(event(Some("message"), None, &message.to_string()))
    }

    /// Reports progress (`notifications/progress`) when the client asked for
    /// it with a progress token; otherwise does nothing and returns `false`.
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> bool {
        let Some(token) = &self.progress_token else { return false };
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(total) = total {
            params["total"] = json!(total);
        }
        if let Some(message) = message {
            params["message"] = json!(message);
        }
        self.notify("notifications/progress", params)
    }

    /// Sends a log message (`notifications/message`) at `level` (one of
    /// [`LOG_LEVELS`]) when it is at or above the level the client set.
    pub fn log(&self, level: &str, logger: Option<&str>, data: Value) -> bool {
        let Some(rank) = LOG_LEVELS.iter().position(|l| *l == level) else { return false };
        if rank < self.min_log_level {
            return false;
        }
        let mut params = json!({ "level": level, "data": data });
        if let Some(logger) = logger {
            params["logger"] = json!(logger);
        }
        self.notify("notifications/message", params)
    }
}
