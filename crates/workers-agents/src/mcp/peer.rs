//! The client on the other end of one MCP request, as a tool handler sees it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::jsonrpc::{RpcError, INTERNAL_ERROR};
use super::pending::PendingRequests;
use super::streams::EventStream;

/// The level of an MCP log message (`notifications/message`), and the least
/// one a client asks for (`logging/setLevel`): the syslog severities, least
/// severe first, so levels compare (`LogLevel::Info < LogLevel::Error`). On
/// the wire they are the lower-case names (`"warning"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Detailed debugging information.
    Debug,
    /// Normal operation.
    Info,
    /// Normal but significant.
    Notice,
    /// A warning.
    Warning,
    /// An error.
    Error,
    /// A critical condition.
    Critical,
    /// Action must be taken at once.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    /// Every level, least severe first.
    pub const ALL: [LogLevel; 8] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
        LogLevel::Alert,
        LogLevel::Emergency,
    ];

    /// The wire name: `"debug"`, `"info"`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }

    /// The level of a wire name, if it is one.
    pub(crate) fn parse(name: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|level| level.as_str() == name)
    }

    /// Its place in [`LogLevel::ALL`], as the session row stores it.
    pub(crate) fn rank(self) -> usize {
        self as usize
    }

    /// The level stored as `rank` (the least, for a rank out of range).
    pub(crate) fn from_rank(rank: i64) -> LogLevel {
        usize::try_from(rank).ok().and_then(|rank| LogLevel::ALL.get(rank).copied()).unwrap_or(LogLevel::Debug)
    }
}

impl std::fmt::Display for LogLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// MCP error code for a server request the client did not answer in time.
pub const REQUEST_TIMEOUT: i64 = -32001;

/// The client of the request being handled: sends it notifications and
/// requests while the request runs, and tells whether it cancelled.
///
/// Messages travel on the request's SSE stream (stored, so a client that
/// reconnects gets them); a request answered with plain JSON (e.g. inside a
/// batch) has no stream, and `notify` returns `false`.
#[derive(Clone)]
pub struct Peer {
    pub(crate) stream: Option<Rc<EventStream>>,
    pub(crate) pending: Rc<PendingRequests>,
    pub(crate) progress_token: Option<Value>,
    pub(crate) cancelled: Rc<Cell<bool>>,
    pub(crate) session_id: Rc<str>,
    pub(crate) min_log_level: LogLevel,
    pub(crate) client_capabilities: Rc<Value>,
}

impl Peer {
    /// The MCP session this request belongs to.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Whether the client sent `notifications/cancelled` for this request.
    /// A cancelled request gets no response; stop working when you see it.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// What the client declared it can do (`initialize`'s `capabilities`).
    pub fn client_capabilities(&self) -> &Value {
        &self.client_capabilities
    }

    /// Sends a notification to the client. `false`: there is no stream for it.
    pub fn notify(&self, method: &str, params: Value) -> bool {
        let Some(stream) = &self.stream else { return false };
        stream.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
        true
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

    /// Sends a log message (`notifications/message`) at `level` when it is
    /// at or above the level the client set (`false`: it is below, or there
    /// is no stream).
    pub fn log(&self, level: LogLevel, logger: Option<&str>, data: Value) -> bool {
        if level < self.min_log_level {
            return false;
        }
        let mut params = json!({ "level": level, "data": data });
        if let Some(logger) = logger {
            params["logger"] = json!(logger);
        }
        self.notify("notifications/message", params)
    }

    /// Sends a request to the client and waits (at most `timeout`) for its answer.
    pub async fn request(&self, method: &str, params: Value, timeout: Duration) -> Result<Value, RpcError> {
        let Some(stream) = &self.stream else {
            return Err(RpcError::new(INTERNAL_ERROR, format!("{method}: this request has no stream to the client")));
        };
        let (id, answer) = self.pending.register();
        stream.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        match select(answer, Box::pin(worker::Delay::from(timeout))).await {
            Either::Left((outcome, _)) => outcome,
            Either::Right(_) => {
                Err(RpcError::new(REQUEST_TIMEOUT, format!("{method}: the client did not answer in time")))
            }
        }
    }

    fn require(&self, capability: &str, method: &str) -> Result<(), RpcError> {
        if self.client_capabilities.get(capability).is_some() {
            Ok(())
        } else {
            Err(RpcError::new(INTERNAL_ERROR, format!("Client does not support {capability} ({method})")))
        }
    }

    /// Asks the client's model for a completion (`sampling/createMessage`);
    /// fails when the client did not declare the `sampling` capability.
    pub async fn create_message(&self, params: Value) -> Result<Value, RpcError> {
        self.require("sampling", "sampling/createMessage")?;
        self.request("sampling/createMessage", params, Duration::from_secs(120)).await
    }

    /// Asks the user for input (`elicitation/create`) with a message and a
    /// flat object schema; fails when the client did not declare `elicitation`.
    pub async fn elicit(&self, message: &str, requested_schema: Value) -> Result<Value, RpcError> {
        self.require("elicitation", "elicitation/create")?;
        let params = json!({ "message": message, "requestedSchema": requested_schema });
        self.request("elicitation/create", params, Duration::from_secs(600)).await
    }

    /// Closes the client's connection to this request's stream while the
    /// work goes on; the client reconnects with `Last-Event-ID` and receives
    /// everything sent since (SSE polling).
    pub fn close_stream(&self) {
        if let Some(stream) = &self.stream {
            stream.disconnect();
        }
    }
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::LogLevel;

    #[test]
    fn log_levels_keep_their_wire_names_and_order() {
        let names: Vec<&str> = LogLevel::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(names, ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]);
        for (rank, level) in LogLevel::ALL.into_iter().enumerate() {
            assert_eq!(serde_json::to_value(level).unwrap(), level.as_str());
            assert_eq!(serde_json::from_value::<LogLevel>(level.as_str().into()).unwrap(), level);
            assert_eq!(LogLevel::parse(level.as_str()), Some(level));
            assert_eq!((level.rank(), LogLevel::from_rank(rank as i64)), (rank, level));
        }
        assert!(LogLevel::Debug < LogLevel::Info && LogLevel::Alert < LogLevel::Emergency);
        assert_eq!(LogLevel::parse("Info"), None);
        assert_eq!(LogLevel::from_rank(8), LogLevel::Debug);
        assert_eq!(LogLevel::from_rank(-1), LogLevel::Debug);
    }
}
