//! What a server sends a client agent besides the response it waits for
//! (pure): notifications (a list changed, a log message) and requests
//! (`ping`, `elicitation/create`, `sampling/createMessage`), and the answers
//! the client POSTs back.

use serde_json::{json, Value};

use crate::mcp::jsonrpc::{Message, RpcError};

/// Most notifications kept from one reply for after its response: the
/// rest are dropped (a list refreshed once is as good as ten times).
pub const MAX_KEPT_NOTIFICATIONS: usize = 64;
/// Most requests of the server answered during one reply; past them each
/// is answered with an error.
pub const MAX_SERVER_REQUESTS: usize = 16;

/// "Method not found", the answer to a request the agent does not take.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// "Internal error", the answer when the agent's hook failed.
pub const INTERNAL_ERROR: i64 = -32603;

/// A list the server says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// `notifications/tools/list_changed`.
    Tools,
    /// `notifications/resources/list_changed`.
    Resources,
    /// `notifications/prompts/list_changed`.
    Prompts,
}

/// A request the server asks the agent (its client) to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `elicitation/create`: ask the person for input.
    Elicitation,
    /// `sampling/createMessage`: ask a model.
    Sampling,
}

impl Ask {
    /// The method.
    pub fn method(self) -> &'static str {
        match self {
            Ask::Elicitation => "elicitation/create",
            Ask::Sampling => "sampling/createMessage",
        }
    }
}

/// A message from the server that is not the awaited response.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A list changed: it is listed again.
    Changed(Listed),
    /// `notifications/message`: its params (`level`, `logger`, `data`).
    Log(Value),
    /// `ping`: answered at once with an empty result.
    Ping(Value),
    /// A request for the agent's hook: its id and params.
    Ask(Ask, Value, Value),
    /// A request this client does not take: answered with an error.
    Unsupported(Value, String),
    /// A notification nothing here uses, a response to no request of
    /// ours, or a message that is not JSON-RPC: skipped.
    Skipped,
}

/// The capabilities the client declares: elicitation always (declined by
/// default), sampling when the agent takes it.
pub fn client_capabilities(sampling: bool) -> Value {
    match sampling {
        true => json!({ "elicitation": {}, "sampling": {} }),
        false => json!({ "elicitation": {} }),
    }
}

/// What `message` is to a client.
pub fn classify(message: Message) -> Inbound {
    match message {
        Message::Notification { method, params } => match method.as_str() {
            "notifications/tools/list_changed" => Inbound::Changed(Listed::Tools),
            "notifications/resources/list_changed" => Inbound::Changed(Listed::Resources),
            "notifications/prompts/list_changed" => Inbound::Changed(Listed::Prompts),
            "notifications/message" => Inbound::Log(params),
            _ => Inbound::Skipped,
        },
        Message::Request { id, method, params } => match method.as_str() {
            "ping" => Inbound::Ping(id),
            "elicitation/create" => Inbound::Ask(Ask::Elicitation, id, params),
            "sampling/createMessage" => Inbound::Ask(Ask::Sampling, id, params),
            _ => Inbound::Unsupported(id, method),
        },
        Message::Response { .. } | Message::Invalid { .. } => Inbound::Skipped,
    }
}

/// A response with `result` to the server's request `id`.
pub fn result_response(id: &Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

/// An error response to the server's request `id`.
pub fn error_response(id: &Value, error: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": error.code, "message": error.message } })
}

/// The error for a request the agent does not answer.
pub fn unsupported(method: &str) -> RpcError {
    RpcError::new(METHOD_NOT_FOUND, format!("this agent does not support {method}"))
}

/// An elicitation's answer with the defaults of the requested schema
/// filled in (SEP-1034): when the answer accepts, each property of
/// `params.requestedSchema` that has a `default` and that the content
/// leaves out gets it. Any other answer is left as it is.
pub fn with_schema_defaults(params: &Value, mut answer: Value) -> Value {
    if answer["action"] != "accept" {
        return answer;
    }
    let Some(properties) = params["requestedSchema"]["properties"].as_object() else { return answer };
    let Some(fields) = answer.as_object_mut() else { return answer };
    let content = fields.entry("content").or_insert_with(|| json!({}));
    let Some(content) = content.as_object_mut() else { return answer };
    for (name, schema) in properties {
        if let Some(default) = schema.get("default") {
            content.entry(name.clone()).or_insert_with(|| default.clone());
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::client::session::messages;

    fn one(text: &str) -> Inbound {
        classify(messages(text).unwrap().remove(0))
    }

    #[test]
    fn notifications_and_requests_are_told_apart() {
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#),
            Inbound::Changed(Listed::Tools)
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","method":"notifications/prompts/list_changed","params":{}}"#),
            Inbound::Changed(Listed::Prompts)
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}"#),
            Inbound::Log(json!({"level": "info", "data": "hi"}))
        );
        assert_eq!(one(r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#), Inbound::Skipped);
        assert_eq!(one(r#"{"jsonrpc":"2.0","id":"p1","method":"ping"}"#), Inbound::Ping(json!("p1")));
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":3,"method":"elicitation/create","params":{"message":"who?"}}"#),
            Inbound::Ask(Ask::Elicitation, json!(3), json!({"message": "who?"}))
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":4,"method":"sampling/createMessage","params":{}}"#),
            Inbound::Ask(Ask::Sampling, json!(4), json!({}))
        );
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":5,"method":"roots/list"}"#),
            Inbound::Unsupported(json!(5), "roots/list".into())
        );
        assert_eq!(one(r#"{"jsonrpc":"2.0","id":9,"result":{}}"#), Inbound::Skipped);
    }

    #[test]
    fn an_accepted_elicitation_gets_the_schema_defaults_it_leaves_out() {
        let params = json!({"requestedSchema": {"type": "object", "properties": {
            "name": {"type": "string", "default": "John"},
            "age": {"type": "integer", "default": 30},
            "email": {"type": "string"},
        }}});
        let filled = with_schema_defaults(&params, json!({"action": "accept", "content": {"name": "Ada"}}));
        assert_eq!(filled, json!({"action": "accept", "content": {"name": "Ada", "age": 30}}));
        let bare = with_schema_defaults(&params, json!({"action": "accept"}));
        assert_eq!(bare, json!({"action": "accept", "content": {"name": "John", "age": 30}}));
        let declined = json!({"action": "decline"});
        assert_eq!(with_schema_defaults(&params, declined.clone()), declined);
        let odd = json!({"action": "accept", "content": "text"});
        assert_eq!(with_schema_defaults(&params, odd.clone()), odd);
        assert_eq!(with_schema_defaults(&json!({}), json!({"action": "accept"})), json!({"action": "accept"}));
    }

    #[test]
    fn answers_are_json_rpc_responses() {
        assert_eq!(result_response(&json!("p1"), json!({})), json!({"jsonrpc": "2.0", "id": "p1", "result": {}}));
        let error = error_response(&json!(5), &unsupported("roots/list"));
        assert_eq!(error["error"]["code"], METHOD_NOT_FOUND);
        assert_eq!(error["error"]["message"], "this agent does not support roots/list");
        assert_eq!(Ask::Sampling.method(), "sampling/createMessage");
    }
}
