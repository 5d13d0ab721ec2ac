//! JSON-RPC 2.0 as MCP uses it: messages, batches, error codes, and
//! protocol-version negotiation. Pure: tested natively.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Parse error: the body is not JSON.
pub(crate) const PARSE_ERROR: i64 = -32700;
/// The JSON is not a valid request.
pub(crate) const INVALID_REQUEST: i64 = -32600;
/// The method does not exist.
pub(crate) const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters.
pub(crate) const INVALID_PARAMS: i64 = -32602;
/// Internal error.
pub(crate) const INTERNAL_ERROR: i64 = -32603;
/// MCP: the session is unknown or ended (clients re-initialize).
pub(crate) const SESSION_NOT_FOUND: i64 = -32001;

/// Protocol versions this server speaks, newest first.
pub(crate) const PROTOCOL_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// The version to answer `initialize` with: the client's when supported, else the newest.
pub(crate) fn negotiate_version(requested: Option<&str>) -> &'static str {
    requested.and_then(|r| PROTOCOL_VERSIONS.iter().copied().find(|v| *v == r)).unwrap_or(PROTOCOL_VERSIONS[0])
}

/// Whether a protocol version allows JSON-RPC batches (only 2025-03-26 does).
pub(crate) fn allows_batches(version: &str) -> bool {
    version == "2025-03-26"
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// The error code.
    pub code: i64,
    /// A short description.
    pub message: String,
    /// Extra information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The message alone (the code is in [`RpcError::code`]).
impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RpcError {}

impl RpcError {
    /// An error with a code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError { code, message: message.into(), data: None }
    }
}

/// One JSON-RPC message, as read from the other side (a server reads
/// requests and notifications; a client, responses too).
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request: expects a response with the same id.
    Request {
        /// The id (string or number).
        id: Value,
        /// The method.
        method: String,
        /// The parameters (`null` when absent).
        params: Value,
    },
    /// A notification: no id, no response.
    Notification {
        /// The method.
        method: String,
        /// The parameters (`null` when absent).
        params: Value,
    },
    /// A response to a request this server sent (e.g. sampling).
    Response {
        /// The id of the server's request.
        id: Value,
        /// `Ok(result)` or `Err(error)`.
        outcome: Result<Value, RpcError>,
    },
    /// Not a valid message; answer with this error (id `null` when unknown).
    Invalid {
        /// The id, when one could be read.
        id: Value,
        /// Why it is invalid.
        error: RpcError,
    },
}

/// A parsed HTTP body: one message or a batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// A single message.
    Single(Message),
    /// A batch (a non-empty JSON array).
    Batch(Vec<Message>),
}

/// The most messages one batch may hold; a larger batch is refused whole,
/// before any of it runs.
pub(crate) const MAX_BATCH: usize = 100;

/// Parses a request body. `Err` is the parse error response to send.
pub(crate) fn parse_body(text: &str) -> Result<Body, Value> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| error_response(&Value::Null, &RpcError::new(PARSE_ERROR, format!("Parse error: {e}"))))?;
    match value {
        Value::Array(items) if items.is_empty() => {
            Err(error_response(&Value::Null, &RpcError::new(INVALID_REQUEST, "Invalid Request: empty batch")))
        }
        Value::Array(items) if items.len() > MAX_BATCH => Err(error_response(
            &Value::Null,
            &RpcError::new(
                INVALID_REQUEST,
                format!("Invalid Request: a batch holds at most {MAX_BATCH} messages, this one {}", items.len()),
            ),
        )),
        Value::Array(items) => Ok(Body::Batch(items.into_iter().map(classify).collect())),
        other => Ok(Body::Single(classify(other))),
    }
}

fn classify(value: Value) -> Message {
    let invalid = |id: Value, why: &str| Message::Invalid {
        id,
        error: RpcError::new(INVALID_REQUEST, format!("Invalid Request: {why}")),
    };
    let Value::Object(mut object) = value else {
        return invalid(Value::Null, "not an object");
    };
    let id = object.remove("id");
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(
            id.filter(|id| id.is_string() || id.is_i64() || id.is_u64()).unwrap_or_default(),
            "jsonrpc must be \"2.0\"",
        );
    }
    if let Some(id) = &id {
        if !(id.is_string() || id.is_i64() || id.is_u64()) {
            return invalid(Value::Null, "id must be a string or an integer");
        }
    }
    match (object.remove("method"), id) {
        (Some(Value::String(method)), Some(id)) => {
            Message::Request { id, method, params: object.remove("params").unwrap_or(Value::Null) }
        }
        (Some(Value::String(method)), None) => {
            Message::Notification { method, params: object.remove("params").unwrap_or(Value::Null) }
        }
        (Some(_), id) => invalid(id.unwrap_or(Value::Null), "method must be a string"),
        (None, Some(id)) => match (object.remove("result"), object.remove("error")) {
            (Some(result), None) => Message::Response { id, outcome: Ok(result) },
            (None, Some(error)) => match serde_json::from_value::<RpcError>(error) {
                Ok(error) => Message::Response { id, outcome: Err(error) },
                Err(_) => invalid(id, "malformed error object"),
            },
            _ => invalid(id, "a response needs exactly one of result and error"),
        },
        (None, None) => invalid(Value::Null, "no method"),
    }
}

/// A success response.
pub(crate) fn result_response(id: &Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

/// An error response.
pub(crate) fn error_response(id: &Value, error: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(text: &str) -> Message {
        match parse_body(text) {
            Ok(Body::Single(message)) => message,
            other => panic!("not a single message: {other:?}"),
        }
    }

    #[test]
    fn negotiates_versions() {
        assert_eq!(negotiate_version(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate_version(Some("2024-11-05")), "2024-11-05");
        assert_eq!(negotiate_version(Some("1999-01-01")), "2025-11-25");
        assert_eq!(negotiate_version(None), "2025-11-25");
        assert!(allows_batches("2025-03-26"));
        assert!(!allows_batches("2025-06-18"));
    }

    #[test]
    fn classifies_messages() {
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Message::Request { id: json!(1), method: "ping".into(), params: Value::Null }
        );
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Message::Notification { method: "notifications/initialized".into(), params: Value::Null }
        );
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","id":"s1","result":{"ok":true}}"#),
            Message::Response { id: json!("s1"), outcome: Ok(json!({"ok": true})) }
        );
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","id":"s2","error":{"code":-1,"message":"no"}}"#),
            Message::Response { id: json!("s2"), outcome: Err(RpcError::new(-1, "no")) }
        );
    }

    #[test]
    fn refuses_invalid_messages_with_the_right_codes() {
        let invalid = |text: &str| match single(text) {
            Message::Invalid { id, error } => (id, error.code, error.message),
            other => panic!("valid: {other:?}"),
        };
        assert_eq!(
            invalid(r#"{"id":1,"method":"ping"}"#),
            (json!(1), INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"".into())
        );
        assert_eq!(invalid(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#).1, INVALID_REQUEST);
        // An id no request may have is not echoed, whatever else is wrong.
        assert_eq!(invalid(r#"{"jsonrpc":"1.0","id":{"a":[1]},"method":"x"}"#).0, Value::Null);
        assert_eq!(invalid(r#"{"id":1.5,"method":"x"}"#).0, Value::Null);
        assert_eq!(invalid(r#"{"jsonrpc":"2.0","id":2,"method":7}"#).0, json!(2));
        assert_eq!(invalid(r#"{"jsonrpc":"2.0"}"#).2, "Invalid Request: no method");
        assert_eq!(invalid("5").2, "Invalid Request: not an object");
        let parse = parse_body("{oops").unwrap_err();
        assert_eq!(parse["error"]["code"], json!(PARSE_ERROR));
        assert_eq!(parse["id"], Value::Null);
        assert_eq!(parse_body("[]").unwrap_err()["error"]["code"], json!(INVALID_REQUEST));
    }

    #[test]
    fn parses_batches_item_by_item() {
        let Ok(Body::Batch(items)) = parse_body(r#"[{"jsonrpc":"2.0","id":1,"method":"a"}, 3]"#) else {
            panic!("not a batch");
        };
        assert!(matches!(items[0], Message::Request { .. }));
        assert!(matches!(items[1], Message::Invalid { .. }));
    }

    #[test]
    fn builds_responses() {
        assert_eq!(result_response(&json!(1), json!({})), json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
        assert_eq!(
            error_response(&json!("a"), &RpcError::new(METHOD_NOT_FOUND, "Method not found: x")),
            json!({"jsonrpc": "2.0", "id": "a", "error": {"code": -32601, "message": "Method not found: x"}})
        );
    }

    #[test]
    fn refuses_batches_over_the_cap_whole() {
        let batch = |n: usize| format!("[{}]", vec![r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#; n].join(","));
        assert!(matches!(parse_body(&batch(MAX_BATCH)), Ok(Body::Batch(items)) if items.len() == MAX_BATCH));
        let refused = parse_body(&batch(MAX_BATCH + 1)).expect_err("over the cap");
        assert_eq!(refused["error"]["code"], INVALID_REQUEST);
        assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("at most 100")));
    }
}
