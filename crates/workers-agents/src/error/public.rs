//! What an outside caller (a WebSocket client, an HTTP client, an MCP
//! client) is told when something fails inside an agent. Messages meant for
//! callers (an `Err` text a method returns, a refused state, a bad request)
//! reach them; internals (SQL text, runtime errors, panic payloads) are
//! logged, and the caller gets a short message with a reference that finds
//! the log line. Which errors are which: [`Error`]'s documentation.

use std::any::Any;
use std::fmt::Display;

use super::Error;

/// Logs `detail` under `scope` with a fresh reference, and returns the
/// message the caller gets: `Internal error (ref 0123abcd)`.
pub(crate) fn internal(scope: &str, detail: &dyn Display) -> String {
    let reference = reference();
    log(&format!("{scope}: {detail} (ref {reference})"));
    format!("Internal error (ref {reference})")
}

/// The message a caller gets for an error an agent's handler returned:
/// its text, unless it is one of the framework's or the runtime's internal
/// errors, which are logged and referenced instead.
pub(crate) fn for_caller<E: Display + 'static>(scope: &str, error: &E) -> String {
    let any: &dyn Any = error;
    let internal_error = match any.downcast_ref::<Error>() {
        Some(error) => is_internal(error),
        None => any.is::<worker::Error>() || any.is::<serde_json::Error>(),
    };
    if internal_error {
        internal(scope, error)
    } else {
        error.to_string()
    }
}

/// How `on_request`'s `Err` is answered when it was made for the caller:
/// `(status, text)` for a message of the agent's own (500) or a bad request
/// (400). `None`: any other error, which is logged with a reference (the
/// agent's other refusals too: over HTTP, most errors come from `?` on
/// storage and runtime calls, so only what was made for the caller is shown).
pub(crate) fn http_answer(error: &Error) -> Option<(u16, String)> {
    match error {
        Error::Message(message) => Some((500, message.clone())),
        Error::BadRequest(_) => Some((400, error.to_string())),
        _ => None,
    }
}

/// Whether an error's text is about the framework's insides rather than
/// the caller's request.
fn is_internal(error: &Error) -> bool {
    matches!(error, Error::Sql { .. } | Error::Json { .. } | Error::Worker(_) | Error::Attachment(_))
}

/// Eight random hex digits.
fn reference() -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(target_arch = "wasm32")]
fn log(line: &str) {
    worker::console_error!("{line}");
}

#[cfg(not(target_arch = "wasm32"))]
fn log(line: &str) {
    eprintln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_referenced(message: &str) -> bool {
        message.len() == "Internal error (ref 01234567)".len() && message.starts_with("Internal error (ref ")
    }

    #[test]
    fn http_shows_only_what_was_made_for_the_caller() {
        assert_eq!(http_answer(&Error::msg("No message x")), Some((500, "No message x".into())));
        assert_eq!(http_answer(&Error::BadRequest("limit".into())), Some((400, "bad request: limit".into())));
        let referenced = [
            Error::Sql { query: "SELECT 1".into(), message: "boom".into() },
            Error::StateUndecodable("does not decode".into()),
            Error::Worker(worker::Error::RustError("js".into())),
        ];
        for error in referenced {
            assert_eq!(http_answer(&error), None, "{error}");
        }
    }

    #[test]
    fn internals_are_referenced_and_caller_messages_pass() {
        let sql = Error::Sql { query: "SELECT secret FROM t".into(), message: "no such table: t".into() };
        let told = for_caller("[probe/x] method m", &sql);
        assert!(is_referenced(&told), "{told}");
        assert!(!told.contains("secret"));
        assert!(is_referenced(&for_caller("s", &worker::Error::RustError("js stack".into()))));
        assert_eq!(for_caller("s", &"count must be >= 0".to_owned()), "count must be >= 0");
        assert_eq!(for_caller("s", &Error::StateRejected("no".into())), "state update rejected: no");
        assert_eq!(for_caller("s", &Error::Readonly), "Connection is readonly");
        assert_eq!(for_caller("s", &Error::msg("No message x")), "No message x");
        let json = Error::from(serde_json::from_str::<u8>("x").unwrap_err());
        assert!(is_referenced(&for_caller("s", &json)));
        let a = internal("s", &"x");
        let b = internal("s", &"x");
        assert!(is_referenced(&a) && a != b, "fresh references: {a} {b}");
    }
}
