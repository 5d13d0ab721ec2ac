//! The framework's error type, and what an outside caller is told of it
//! (the rules are in [`Error`]'s documentation).

mod public;

use std::fmt;

#[cfg(feature = "ai")]
use crate::ai::AiError;
#[cfg(feature = "mcp")]
use crate::mcp::RpcError;

pub(crate) use public::{for_caller, http_answer, internal};

/// Everything that can go wrong in an agent: the framework's failures, the
/// runtime's, and messages of the agent's own for its caller.
///
/// Agent code needs no other error type (and [`Result`] defaults to this
/// one): `?` converts `worker::Error`, `serde_json::Error`,
/// [`AiError`](crate::ai::AiError) (feature `ai`), the
/// [`RpcError`](crate::mcp::RpcError) of a request to an MCP client (feature
/// `mcp`), and a `String` or `&str`, which is a message of your own
/// ([`Error::msg`]). The framework's own failures (SQL, state, schedules,
/// calls to other agents) are `Error`s already. `Display` texts are lower
/// case and say what failed (a message of your own is shown as you wrote
/// it); the wrapped cause is reachable through
/// [`std::error::Error::source`] where there is one.
///
/// What a caller is told when a handler returns `Err`:
///
/// | the error | RPC method, MCP handler | `on_request` |
/// |---|---|---|
/// | a message of your own: [`Error::Message`] | its text, as it is | 500, its text |
/// | [`Error::BadRequest`] | its text (`bad request: …`) | 400, its text |
/// | a refusal the caller can act on: [`Error::StateRejected`], [`Error::StateUndecodable`], [`Error::Readonly`], [`Error::Call`], [`Error::Schedule`], [`Error::UnknownSchedule`], [`Error::Ai`], [`Error::Mcp`] | its text | logged; 500, `Internal error (ref …)` |
/// | an internal one: [`Error::Sql`] (its text holds the SQL), [`Error::Json`], [`Error::Worker`], [`Error::Attachment`], and a panic | logged; `Internal error (ref …)` | the same |
///
/// "Logged" means written to the console (`console.error`) with a fresh
/// reference of eight hex digits, and the caller gets `Internal error (ref
/// 0123abcd)`: the reference finds the log line, the caller never sees SQL
/// text, a runtime error or a panic payload. An error `on_request` returns
/// that is not answered with its text also goes to [`Agent::on_error`](crate::Agent::on_error).
/// A handler whose error type is not [`Error`] (`Result<T, String>`, your
/// own enum) has its `Display` text sent, unless the type is `worker::Error`
/// or `serde_json::Error`, which are internal.
///
/// ```
/// use workers_agents::{Error, Result};
///
/// fn check_limit(limit: u32) -> Result<u32> {
///     if limit > 500 {
///         // Reaches an RPC caller as it is: "limit must be at most 500 (got 501)".
///         return Err(Error::msg(format!("limit must be at most 500 (got {limit})")));
///     }
///     Ok(limit)
/// }
///
/// fn parse(text: &str) -> Result<serde_json::Value> {
///     // A JSON error is internal: logged, and the caller gets a reference.
///     Ok(serde_json::from_str(text)?)
/// }
/// # assert_eq!(check_limit(501).unwrap_err().to_string(), "limit must be at most 500 (got 501)");
/// # assert!(parse("{").is_err());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A message of the agent's own for its caller ([`Error::msg`], or `?`
    /// on a `String` or `&str`): shown as it is, to RPC and MCP callers and
    /// (with status 500) to `on_request`'s.
    Message(String),
    /// A SQL statement failed; `query` is the statement's text (never its values).
    Sql {
        /// The SQL text that failed.
        query: String,
        /// What SQLite (or the row decoder) said.
        message: String,
    },
    /// A value could not be encoded to or decoded from JSON.
    Json {
        /// What was being encoded or decoded.
        what: &'static str,
        /// The serde error.
        source: serde_json::Error,
    },
    /// The agent's `validate_state_change` hook refused a new state.
    StateRejected(String),
    /// The stored state decodes neither into `Agent::State` nor through
    /// `Agent::migrate_state`. It is kept as stored; `set_state` replaces it.
    /// The text names the agent and says why.
    StateUndecodable(String),
    /// A client request (RPC call, frame, route) was malformed. Its text
    /// reaches the caller; `on_request` answers it with 400.
    BadRequest(String),
    /// A call to another agent's method failed there.
    Call {
        /// The method called.
        method: String,
        /// The callee's error message.
        message: String,
    },
    /// A schedule or task could not be created (bad time, cron, payload or task name).
    Schedule(String),
    /// No schedule has this id.
    UnknownSchedule(String),
    /// Per-connection state did not fit in the WebSocket attachment.
    Attachment(String),
    /// The state was changed while handling a readonly connection's frame.
    /// Its text is the TS SDK's, which clients may match on.
    Readonly,
    /// An error from the Workers runtime.
    Worker(worker::Error),
    /// Talking to a model failed (feature `ai`). Its text, which says what
    /// the provider answered, reaches the caller.
    #[cfg(feature = "ai")]
    Ai(AiError),
    /// A request to the MCP client (sampling, elicitation) failed: the
    /// client's error answer, or the server's own (the client lacks the
    /// capability, or did not answer in time) (feature `mcp`). Its message
    /// reaches the caller as it is.
    #[cfg(feature = "mcp")]
    Mcp(RpcError),
}

/// `Result` with the framework's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Message(message) => f.write_str(message),
            Error::Sql { query, message } => {
                write!(f, "sql query failed: {message} (query: {query})")
            }
            Error::Json { what, source } => write!(f, "invalid json for {what}: {source}"),
            Error::StateRejected(why) => write!(f, "state update rejected: {why}"),
            Error::StateUndecodable(why) => f.write_str(why),
            Error::BadRequest(why) => write!(f, "bad request: {why}"),
            Error::Call { method, message } => write!(f, "call to {method} failed: {message}"),
            Error::Schedule(why) => write!(f, "cannot schedule: {why}"),
            Error::UnknownSchedule(id) => write!(f, "no schedule with id {id}"),
            Error::Attachment(why) => write!(f, "connection state not saved: {why}"),
            Error::Readonly => f.write_str(crate::protocol::frames::READONLY_ERROR),
            Error::Worker(e) => write!(f, "workers runtime error: {e}"),
            #[cfg(feature = "ai")]
            Error::Ai(e) => e.fmt(f),
            #[cfg(feature = "mcp")]
            Error::Mcp(e) => f.write_str(&e.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Json { source, .. } => Some(source),
            Error::Worker(e) => Some(e),
            #[cfg(feature = "ai")]
            Error::Ai(e) => Some(e),
            #[cfg(feature = "mcp")]
            Error::Mcp(e) => Some(e),
            _ => None,
        }
    }
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        Error::Worker(e)
    }
}

/// A JSON error (`?` on `serde_json::from_str` and the like): an internal
/// error, logged with a reference (`what` is `"a value"`).
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::json("a value", e)
    }
}

/// A message of your own for the caller: [`Error::Message`].
impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Message(message)
    }
}

/// A message of your own for the caller: [`Error::Message`].
impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Message(message.to_owned())
    }
}

#[cfg(feature = "ai")]
impl From<AiError> for Error {
    fn from(e: AiError) -> Self {
        Error::Ai(e)
    }
}

#[cfg(feature = "mcp")]
impl From<RpcError> for Error {
    fn from(e: RpcError) -> Self {
        Error::Mcp(e)
    }
}

impl From<Error> for worker::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Worker(inner) => inner,
            other => worker::Error::RustError(other.to_string()),
        }
    }
}

impl Error {
    /// A message of your own for the caller, shown as it is
    /// ([`Error::Message`]). Give it only text meant for the caller: an
    /// internal error turned into a message is sent too.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::Message(message.to_string())
    }

    pub(crate) fn json(what: &'static str, source: serde_json::Error) -> Self {
        Error::Json { what, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_error_names_the_query() {
        let e = Error::Sql { query: "SELECT 1".into(), message: "boom".into() };
        assert_eq!(e.to_string(), "sql query failed: boom (query: SELECT 1)");
    }

    #[test]
    fn converts_the_errors_agents_meet() {
        fn parse(text: &str) -> Result<serde_json::Value> {
            Ok(serde_json::from_str(text)?)
        }
        let json = parse("{").unwrap_err();
        assert!(matches!(json, Error::Json { what: "a value", .. }), "{json:?}");
        assert!(json.to_string().starts_with("invalid json for a value: "), "{json}");
        assert!(std::error::Error::source(&json).is_some());

        fn mine(n: i64) -> Result<i64> {
            if n < 0 {
                Err(format!("n must not be negative (got {n})"))?;
            }
            Ok(n)
        }
        assert_eq!(mine(-1).unwrap_err().to_string(), "n must not be negative (got -1)");
        assert_eq!(Error::from("as written").to_string(), "as written");
        assert_eq!(Error::msg(42).to_string(), "42");
        let worker: Error = worker::Error::RustError("js".into()).into();
        assert!(matches!(worker, Error::Worker(_)));
    }

    #[cfg(feature = "ai")]
    #[test]
    fn ai_errors_keep_their_text() {
        let e: Error = AiError::Provider { status: 429, message: "slow down".into() }.into();
        assert_eq!(e.to_string(), "model provider error (HTTP 429): slow down");
    }

    #[cfg(feature = "mcp")]
    #[test]
    fn mcp_client_errors_keep_their_message() {
        let e: Error = RpcError::new(-32001, "sampling/createMessage: the client did not answer in time").into();
        assert_eq!(e.to_string(), "sampling/createMessage: the client did not answer in time");
    }

    #[test]
    fn converts_into_worker_error_keeping_text() {
        let e: worker::Error = Error::StateRejected("count must be >= 0".into()).into();
        assert_eq!(e.to_string(), "state update rejected: count must be >= 0");
    }
}
