//! The framework's error type, and what an outside caller is told of it.

mod public;

use std::fmt;

pub(crate) use public::{for_caller, internal};

/// Everything that can go wrong inside the framework.
///
/// `Display` texts are lower case and say what failed; the wrapped cause is
/// reachable through [`std::error::Error::source`] where there is one.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
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
    /// A client request (RPC call, frame, route) was malformed.
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
}

/// `Result` with the framework's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Json { source, .. } => Some(source),
            Error::Worker(e) => Some(e),
            _ => None,
        }
    }
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        Error::Worker(e)
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
    fn converts_into_worker_error_keeping_text() {
        let e: worker::Error = Error::StateRejected("count must be >= 0".into()).into();
        assert_eq!(e.to_string(), "state update rejected: count must be >= 0");
    }
}
