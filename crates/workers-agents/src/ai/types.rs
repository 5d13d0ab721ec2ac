//! Provider-neutral chat types: what an agent sends a model and gets back.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::sse::parse::SseEvent;

/// Who speaks a message of a conversation; on the wire, the lower-case
/// names (`"assistant"`) both model formats use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Schema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The user.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call, for the model.
    Tool,
}

impl Role {
    /// The wire name: `"system"`, `"user"`, `"assistant"` or `"tool"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who speaks it.
    pub role: Role,
    /// The text.
    pub content: String,
    /// Tools the assistant called (assistant messages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call this message answers (tool messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A message of `role` with this text (no tool calls).
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        ChatMessage { role, content: content.into(), tool_calls: Vec::new(), tool_call_id: None }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }

    /// The result of a tool call, for the model.
    pub fn tool(call_id: &str, content: impl Into<String>) -> Self {
        ChatMessage { tool_call_id: Some(call_id.to_owned()), ..Self::new(Role::Tool, content) }
    }
}

/// A tool (function) the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// JSON Schema of its arguments.
    pub parameters: Value,
}

/// A call of a tool by the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call id (to answer with [`ChatMessage::tool`]).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
}

/// A chat request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u32>,
    /// Tools the model may call.
    pub tools: Vec<ToolDefinition>,
}

impl ChatRequest {
    /// A request with these messages.
    pub fn new(messages: Vec<ChatMessage>) -> Self {
        ChatRequest { messages, ..Self::default() }
    }
}

/// A complete (non-streamed) answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChatResponse {
    /// The text.
    pub text: String,
    /// Tools the model called.
    pub tool_calls: Vec<ToolCall>,
    /// Why it stopped (`stop`, `length`, `tool_calls`, ...).
    pub finish_reason: Option<String>,
}

/// One step of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More text.
    Text(String),
    /// A fragment of a tool call as it streams: `call` is its place among
    /// this answer's calls (the order of their [`StreamEvent::ToolCall`]s),
    /// `id` and `name` as far as known, `arguments` the new piece of its
    /// arguments' text. The complete call follows as a `ToolCall`.
    ToolCallDelta {
        /// Its place among the answer's calls, from 0.
        call: usize,
        /// Its id so far (may be empty).
        id: String,
        /// Its name so far (may be empty).
        name: String,
        /// The new text of its arguments (may be empty).
        arguments: String,
    },
    /// A complete tool call (fragments are assembled before it is reported).
    ToolCall(ToolCall),
    /// The end, with the finish reason when the provider gave one.
    Done(Option<String>),
}

/// What went wrong talking to a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiError {
    /// Missing or invalid configuration (API key, base URL, binding).
    Config(String),
    /// The provider answered with an error status or error object.
    Provider {
        /// HTTP status (0 when the error came inside a stream).
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// The provider's output could not be read.
    Malformed(String),
    /// The connection failed or ended early.
    Transport(String),
}

impl std::fmt::Display for AiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AiError::Config(m) => write!(f, "AI configuration error: {m}"),
            AiError::Provider { status: 0, message } => write!(f, "model provider error: {message}"),
            AiError::Provider { status, message } => write!(f, "model provider error (HTTP {status}): {message}"),
            AiError::Malformed(m) => write!(f, "malformed model output: {m}"),
            AiError::Transport(m) => write!(f, "model connection failed: {m}"),
        }
    }
}

impl std::error::Error for AiError {}

/// The message of a provider's error body (`{"error":{"message":..}}`,
/// `{"errors":[{"message":..}]}`, or the text itself).
pub fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let found = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.pointer("/errors/0/message"))
            .or_else(|| v.get("error").filter(|e| e.is_string()))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    found.unwrap_or_else(|| body.chars().take(500).collect())
}

/// Tool definitions in the `{"type":"function","function":{..}}` form both formats use.
pub(crate) fn tools_json(tools: &[ToolDefinition]) -> Value {
    tools
        .iter()
        .map(|t| json!({ "type": "function", "function": { "name": t.name, "description": t.description, "parameters": t.parameters } }))
        .collect()
}

/// Sets `temperature`, `max_tokens` and `tools` on a request body when given.
pub(crate) fn apply_options(body: &mut Value, request: &ChatRequest) {
    if let Some(t) = request.temperature {
        body["temperature"] = json!(t);
    }
    if let Some(n) = request.max_tokens {
        body["max_tokens"] = json!(n);
    }
    if !request.tools.is_empty() {
        body["tools"] = tools_json(&request.tools);
    }
}

/// One streamed chunk as JSON: `Ok(None)` for the `[DONE]` marker, `Err` for
/// a chunk that is not JSON or carries the provider's error.
pub(crate) fn parse_chunk(event: &SseEvent) -> Result<Option<Value>, AiError> {
    let data = event.data.trim();
    if data == "[DONE]" {
        return Ok(None);
    }
    let chunk: Value = serde_json::from_str(data).map_err(|e| AiError::Malformed(format!("{e} in chunk {data:?}")))?;
    if event.event.as_deref() == Some("error") || chunk.get("error").is_some() || chunk.get("errors").is_some() {
        return Err(AiError::Provider { status: 0, message: error_message(data) });
    }
    Ok(Some(chunk))
}
