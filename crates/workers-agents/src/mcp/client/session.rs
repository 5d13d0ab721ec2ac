//! The client side of an MCP session (pure): the messages a client agent
//! sends, and how it reads what the server answers over Streamable HTTP
//! (a JSON body or an event stream) — the initialize handshake, the
//! negotiated version and the session id, paged lists, tool calls.

use serde_json::{json, Value};

use crate::mcp::jsonrpc::{self, Body, Message, RpcError, PROTOCOL_VERSIONS};

/// The header that carries the session id.
pub const SESSION_HEADER: &str = "mcp-session-id";
/// The header that carries the negotiated version after initialize.
pub const VERSION_HEADER: &str = "mcp-protocol-version";
/// Most items a client keeps from one list (tools, resources, prompts),
/// however many pages a server sends: a server cannot fill the agent.
pub const MAX_LISTED: usize = 1_000;
/// Most pages a client asks for while listing.
pub const MAX_PAGES: usize = 20;
/// Most bytes (as JSON text) of one list kept while its pages arrive: past
/// them the listing stops, so a server cannot fill the agent's memory with
/// twenty pages of huge items.
pub const MAX_LISTED_BYTES: usize = 4 * 1024 * 1024;

/// Who the client is, in `initialize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The `initialize` request, at the newest protocol version.
pub fn initialize_request(id: u64, client: &ClientInfo, capabilities: Value) -> Value {
    request(
        id,
        "initialize",
        json!({
            "protocolVersion": PROTOCOL_VERSIONS[0],
            "capabilities": capabilities,
            "clientInfo": { "name": client.name, "version": client.version },
        }),
    )
}

/// `notifications/initialized`, sent once the server's answer is read.
pub fn initialized_notification() -> Value {
    json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })
}

/// A request.
pub fn request(id: u64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// `tools/list`, `resources/list` or `prompts/list`, from `cursor`.
pub fn list_request(id: u64, method: &str, cursor: Option<&str>) -> Value {
    let params = match cursor {
        Some(cursor) => json!({ "cursor": cursor }),
        None => json!({}),
    };
    request(id, method, params)
}

/// `tools/call`.
pub fn call_tool_request(id: u64, name: &str, arguments: Value) -> Value {
    request(id, "tools/call", json!({ "name": name, "arguments": arguments }))
}

/// What the server said about itself in its `initialize` result.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerHello {
    /// The version both speak (one this framework knows).
    pub protocol_version: String,
    /// The server's capabilities (an object).
    pub capabilities: Value,
    /// `serverInfo.name`.
    pub name: String,
    /// `serverInfo.version`.
    pub version: String,
    /// `instructions`, if any.
    pub instructions: Option<String>,
}

impl ServerHello {
    /// Reads an `initialize` result; a version this framework does not
    /// speak is an error (the client then disconnects, as the spec says).
    pub fn from_result(result: &Value) -> Result<Self, String> {
        let version = result["protocolVersion"].as_str().ok_or("the initialize result has no protocolVersion")?;
        if !PROTOCOL_VERSIONS.contains(&version) {
            return Err(format!("the server speaks MCP {version}, which this client does not"));
        }
        let capabilities = match &result["capabilities"] {
            Value::Object(_) => result["capabilities"].clone(),
            _ => return Err("the initialize result has no capabilities object".into()),
        };
        Ok(ServerHello {
            protocol_version: version.to_owned(),
            capabilities,
            name: result["serverInfo"]["name"].as_str().unwrap_or_default().to_owned(),
            version: result["serverInfo"]["version"].as_str().unwrap_or_default().to_owned(),
            instructions: result["instructions"].as_str().map(str::to_owned),
        })
    }

    /// Whether the server offers `capability` (`tools`, `resources`, `prompts`, …).
    pub fn offers(&self, capability: &str) -> bool {
        self.capabilities.get(capability).is_some_and(|c| !c.is_null())
    }
}

/// One page of a list result: the items under `key` and the next cursor.
pub fn list_page(result: &Value, key: &str) -> Result<(Vec<Value>, Option<String>), String> {
    let items = result[key].as_array().ok_or_else(|| format!("the list result has no {key} array"))?;
    let next = result["nextCursor"].as_str().filter(|c| !c.is_empty()).map(str::to_owned);
    Ok((items.clone(), next))
}

/// Adds a page to a list, keeping at most [`MAX_LISTED`] items; whether
/// the list is full (the client stops asking).
pub fn extend_list(list: &mut Vec<Value>, page: Vec<Value>) -> bool {
    let room = MAX_LISTED.saturating_sub(list.len());
    list.extend(page.into_iter().take(room));
    list.len() >= MAX_LISTED
}

/// How a Streamable HTTP reply carries its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// `application/json`: one message or a batch.
    Json,
    /// `text/event-stream`: messages as events.
    EventStream,
    /// No body to read (202 Accepted for a notification or a response).
    Empty,
    /// Not a success: 404 (the session is gone: initialize again), 401 or
    /// 403 (log in, or more scope), 400, …; the body is not a reply.
    Failed(u16),
}

/// The kind of a reply from its status and `content-type`; `Err` for a
/// content type no MCP server sends.
pub fn reply_kind(status: u16, content_type: Option<&str>) -> Result<ReplyKind, String> {
    if status == 202 || status == 204 {
        return Ok(ReplyKind::Empty);
    }
    if !(200..300).contains(&status) {
        return Ok(ReplyKind::Failed(status));
    }
    let media = content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match media.as_str() {
        "application/json" => Ok(ReplyKind::Json),
        "text/event-stream" => Ok(ReplyKind::EventStream),
        other => Err(format!("the server answered {status} with content type {other:?}")),
    }
}

/// The messages of a JSON body or of one event's data. A message that is
/// not JSON-RPC is kept as `Invalid`, for the caller to log and skip.
pub fn messages(text: &str) -> Result<Vec<Message>, String> {
    match jsonrpc::parse_body(text) {
        Ok(Body::Single(message)) => Ok(vec![message]),
        Ok(Body::Batch(messages)) => Ok(messages),
        Err(error) => Err(error["error"]["message"].as_str().unwrap_or("not JSON-RPC").to_owned()),
    }
}

/// The outcome of the response to request `id` among `messages`, if there.
pub fn response_to(messages: &[Message], id: u64) -> Option<Result<Value, RpcError>> {
    messages.iter().find_map(|m| match m {
        Message::Response { id: got, outcome } if got.as_u64() == Some(id) => Some(outcome.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_speaks_the_newest_version() {
        let client = ClientInfo { name: "agent".into(), version: "1".into() };
        let req = initialize_request(1, &client, json!({}));
        assert_eq!(req["method"], "initialize");
        assert_eq!(req["params"]["protocolVersion"], "2025-11-25");
        assert_eq!(req["params"]["clientInfo"]["name"], "agent");
        assert!(initialized_notification().get("id").is_none());
    }

    #[test]
    fn reads_the_servers_hello() {
        let hello = ServerHello::from_result(&json!({
            "protocolVersion": "2025-06-18",
            "capabilities": { "tools": { "listChanged": true }, "logging": {} },
            "serverInfo": { "name": "notes", "version": "0.1" },
            "instructions": "Take notes.",
        }))
        .unwrap();
        assert_eq!(hello.protocol_version, "2025-06-18");
        assert!(hello.offers("tools") && hello.offers("logging") && !hello.offers("prompts"));
        assert_eq!(hello.instructions.as_deref(), Some("Take notes."));
        let unknown = json!({"protocolVersion": "1999-01-01", "capabilities": {}});
        assert!(ServerHello::from_result(&unknown).unwrap_err().contains("1999-01-01"));
        assert!(ServerHello::from_result(&json!({"protocolVersion": "2025-06-18"})).is_err());
    }

    #[test]
    fn lists_are_paged_and_bounded() {
        let (items, next) = list_page(&json!({"tools": [{"name": "a"}], "nextCursor": "2"}), "tools").unwrap();
        assert_eq!((items.len(), next.as_deref()), (1, Some("2")));
        assert_eq!(list_page(&json!({"tools": [], "nextCursor": ""}), "tools").unwrap().1, None);
        assert!(list_page(&json!({"tools": {}}), "tools").is_err());
        let mut list = Vec::new();
        assert!(!extend_list(&mut list, vec![json!(1); MAX_LISTED - 1]));
        assert!(extend_list(&mut list, vec![json!(2); 5]));
        assert_eq!(list.len(), MAX_LISTED);
        assert_eq!(list_request(3, "tools/list", Some("c"))["params"]["cursor"], "c");
    }

    #[test]
    fn replies_are_told_apart_and_matched() {
        assert_eq!(reply_kind(200, Some("application/json; charset=utf-8")), Ok(ReplyKind::Json));
        assert_eq!(reply_kind(200, Some("Text/Event-Stream")), Ok(ReplyKind::EventStream));
        assert_eq!(reply_kind(202, None), Ok(ReplyKind::Empty));
        assert!(reply_kind(200, Some("text/html")).is_err());
        assert_eq!(reply_kind(404, Some("application/json")), Ok(ReplyKind::Failed(404)));
        assert_eq!(reply_kind(401, Some("text/plain")), Ok(ReplyKind::Failed(401)));
        let batch = messages(
            r#"[{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info"}},
                {"jsonrpc":"2.0","id":7,"result":{"ok":true}},
                {"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"no"}}]"#,
        )
        .unwrap();
        assert_eq!(response_to(&batch, 7), Some(Ok(json!({"ok": true}))));
        assert_eq!(response_to(&batch, 8).unwrap().unwrap_err().code, -32601);
        assert_eq!(response_to(&batch, 9), None);
        assert!(messages("not json").is_err());
    }
}
