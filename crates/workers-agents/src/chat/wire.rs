//! The chat frames of the official `useAgentChat` hook (npm `agents`
//! `agents/chat/react`): what clients send, parsed and checked, and the
//! frames the server answers with. Pure: tested natively.

use serde_json::{json, Map, Value};

use crate::ai::ToolDefinition;

/// `cf_agent_use_chat_request`: a turn (a new message, or a regeneration).
pub(crate) const USE_CHAT_REQUEST: &str = "cf_agent_use_chat_request";
/// `cf_agent_use_chat_response`: one chunk of a turn's stream, or its end.
pub(crate) const USE_CHAT_RESPONSE: &str = "cf_agent_use_chat_response";
/// `cf_agent_chat_messages`: the whole transcript (both directions).
pub(crate) const CHAT_MESSAGES: &str = "cf_agent_chat_messages";
/// `cf_agent_chat_clear`: the history is cleared (both directions).
pub(crate) const CHAT_CLEAR: &str = "cf_agent_chat_clear";
/// `cf_agent_chat_request_cancel`: the client stopped a turn.
pub(crate) const CHAT_REQUEST_CANCEL: &str = "cf_agent_chat_request_cancel";
/// `cf_agent_stream_resume_request`: is a stream running? (the hook's probe)
pub(crate) const STREAM_RESUME_REQUEST: &str = "cf_agent_stream_resume_request";
/// `cf_agent_stream_resume_ack`: the client is ready for a running stream's replay.
pub(crate) const STREAM_RESUME_ACK: &str = "cf_agent_stream_resume_ack";
/// `cf_agent_stream_resuming`: a stream runs; acknowledge to get it.
pub(crate) const STREAM_RESUMING: &str = "cf_agent_stream_resuming";
/// `cf_agent_stream_resume_none`: nothing runs.
pub(crate) const STREAM_RESUME_NONE: &str = "cf_agent_stream_resume_none";
/// `cf_agent_tool_result`: the output of a tool the browser ran.
pub(crate) const TOOL_RESULT: &str = "cf_agent_tool_result";
/// `cf_agent_tool_approval`: a person approved or denied a tool call.
pub(crate) const TOOL_APPROVAL: &str = "cf_agent_tool_approval";
/// `cf_agent_message_updated`: a stored message changed (a tool result or approval applied).
pub(crate) const MESSAGE_UPDATED: &str = "cf_agent_message_updated";
/// `cf_agent_stream_pending`: a turn is accepted and will stream; keep waiting.
pub(crate) const STREAM_PENDING: &str = "cf_agent_stream_pending";
/// Most tools a client may declare in `clientTools`.
pub const MAX_CLIENT_TOOLS: usize = 128;
/// The framework's answer to a chat frame that names no request and cannot
/// be applied (the hook hands unknown frames to the app's `onMessage`).
pub(crate) const CHAT_ERROR: &str = "cf_agent_chat_error";

/// What a turn was asked for (`trigger` of the request's body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `submit-message`: answer the newest user message.
    Submit,
    /// `regenerate-message`: replace the last answer.
    Regenerate,
}

impl Trigger {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Submit => "submit-message",
            Trigger::Regenerate => "regenerate-message",
        }
    }
}

/// A checked chat request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChatRequestFrame {
    /// The client's request id.
    pub(crate) id: String,
    /// The client's whole message list (checked [`UIMessage`](super::messages) objects).
    pub(crate) messages: Vec<Value>,
    pub(crate) trigger: Trigger,
    /// Every other field of the body (the hook's `body` option).
    pub(crate) body: Map<String, Value>,
    /// The page's tools (`clientTools`): offered to the model, run in the browser.
    pub(crate) client_tools: Vec<ToolDefinition>,
}

/// `cf_agent_tool_result`, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolResultFrame {
    pub(crate) tool_call_id: String,
    /// The tool's name as the client gives it (may be empty).
    pub(crate) tool_name: String,
    pub(crate) output: Value,
    /// `state: "output-error"`: the tool failed in the browser, with this text.
    pub(crate) error: Option<String>,
    pub(crate) auto_continue: bool,
    /// The page's tools, when the frame names them.
    pub(crate) client_tools: Option<Vec<ToolDefinition>>,
}

/// `cf_agent_tool_approval`, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolApprovalFrame {
    pub(crate) tool_call_id: String,
    pub(crate) approved: bool,
    pub(crate) auto_continue: bool,
}

/// A chat frame from a client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ChatFrame {
    /// A turn.
    Request(ChatRequestFrame),
    /// A chat request that cannot be run; answered to its id with `error`.
    BadRequest { id: String, error: String },
    /// The client's transcript (`setMessages`): stored, merged by id.
    Messages(Vec<Value>),
    /// Clear the history.
    Clear,
    /// Stop the turn with this request id.
    Cancel(String),
    /// The resume probe.
    ResumeRequest { probe_id: Option<String> },
    /// Ready for the replay of the stream with this request id.
    ResumeAck(String),
    /// A browser tool's result.
    ToolResult(ToolResultFrame),
    /// A person's answer to a tool call that needs approval.
    ToolApproval(ToolApprovalFrame),
    /// A tool frame that cannot be applied, with the call id it names.
    BadTool { tool_call_id: String, error: String },
    /// A chat frame with no request to answer to, that cannot be applied.
    Bad(String),
    /// Not a chat frame.
    Other,
}

/// The `type` of a frame, read cheaply: `None` for anything that is not a
/// JSON object starting with a string `type` we can find.
fn frame_type(value: &Value) -> Option<&str> {
    value.get("type").and_then(Value::as_str)
}

fn is_chat_type(kind: &str) -> bool {
    matches!(
        kind,
        USE_CHAT_REQUEST
            | CHAT_MESSAGES
            | CHAT_CLEAR
            | CHAT_REQUEST_CANCEL
            | STREAM_RESUME_REQUEST
            | STREAM_RESUME_ACK
            | TOOL_RESULT
            | TOOL_APPROVAL
    )
}

/// Whether `text` may be a chat frame (a cheap look before parsing it).
pub(crate) fn may_be_chat(text: &str) -> bool {
    text.contains("\"cf_agent_")
}

/// Classifies and checks a text frame.
pub(crate) fn parse_chat_frame(text: &str) -> ChatFrame {
    if !may_be_chat(text) {
        return ChatFrame::Other;
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else { return ChatFrame::Other };
    let Some(kind) = frame_type(&value).filter(|k| is_chat_type(k)) else { return ChatFrame::Other };
    match kind {
        USE_CHAT_REQUEST => parse_request(&value),
        CHAT_MESSAGES => match value.get("messages").map(super::messages::check_messages) {
            Some(Ok(messages)) => ChatFrame::Messages(messages),
            Some(Err(e)) => ChatFrame::Bad(format!("{CHAT_MESSAGES}: {e}")),
            None => ChatFrame::Bad(format!("{CHAT_MESSAGES}: `messages` is missing")),
        },
        CHAT_CLEAR => ChatFrame::Clear,
        TOOL_RESULT => parse_tool_result(&value),
        TOOL_APPROVAL => parse_tool_approval(&value),
        CHAT_REQUEST_CANCEL => match value.get("id").and_then(Value::as_str) {
            Some(id) => ChatFrame::Cancel(id.to_owned()),
            None => ChatFrame::Bad(format!("{CHAT_REQUEST_CANCEL}: `id` must be a string")),
        },
        STREAM_RESUME_REQUEST => match value.get("probeId") {
            None | Some(Value::Null) => ChatFrame::ResumeRequest { probe_id: None },
            Some(Value::String(p)) => ChatFrame::ResumeRequest { probe_id: Some(p.clone()) },
            Some(_) => ChatFrame::Bad(format!("{STREAM_RESUME_REQUEST}: `probeId` must be a string")),
        },
        _ => match value.get("id").and_then(Value::as_str) {
            Some(id) => ChatFrame::ResumeAck(id.to_owned()),
            None => ChatFrame::Bad(format!("{STREAM_RESUME_ACK}: `id` must be a string")),
        },
    }
}

fn tool_call_id(value: &Value, kind: &str) -> Result<String, String> {
    match value.get("toolCallId").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(format!("{kind}: `toolCallId` must be a non-empty string")),
    }
}

fn auto_continue(value: &Value, kind: &str) -> Result<bool, String> {
    match value.get("autoContinue") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{kind}: `autoContinue` must be a boolean")),
    }
}

fn parse_tool_result(value: &Value) -> ChatFrame {
    let checked = || -> Result<ToolResultFrame, String> {
        let tool_call_id = tool_call_id(value, TOOL_RESULT)?;
        let tool_name = match value.get("toolName") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(name)) => name.clone(),
            Some(_) => return Err(format!("{TOOL_RESULT}: `toolName` must be a string")),
        };
        let error_text = match value.get("errorText") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => return Err(format!("{TOOL_RESULT}: `errorText` must be a string")),
        };
        let error = match value.get("state") {
            None | Some(Value::Null) => None,
            Some(Value::String(state)) if state == "output-available" => None,
            Some(Value::String(state)) if state == "output-error" => {
                Some(error_text.unwrap_or_else(|| "Tool execution failed".into()))
            }
            Some(_) => return Err(format!("{TOOL_RESULT}: `state` must be \"output-available\" or \"output-error\"")),
        };
        let client_tools = match value.get("clientTools") {
            None | Some(Value::Null) => None,
            Some(tools) => Some(parse_client_tools(tools).map_err(|e| format!("{TOOL_RESULT}: {e}"))?),
        };
        Ok(ToolResultFrame {
            tool_call_id,
            tool_name,
            output: value.get("output").cloned().unwrap_or(Value::Null),
            error,
            auto_continue: auto_continue(value, TOOL_RESULT)?,
            client_tools,
        })
    };
    match checked() {
        Ok(frame) => ChatFrame::ToolResult(frame),
        Err(e) => bad_tool(value, e),
    }
}

fn parse_tool_approval(value: &Value) -> ChatFrame {
    let checked = || -> Result<ToolApprovalFrame, String> {
        let tool_call_id = tool_call_id(value, TOOL_APPROVAL)?;
        let Some(approved) = value.get("approved").and_then(Value::as_bool) else {
            return Err(format!("{TOOL_APPROVAL}: `approved` must be a boolean"));
        };
        Ok(ToolApprovalFrame { tool_call_id, approved, auto_continue: auto_continue(value, TOOL_APPROVAL)? })
    };
    match checked() {
        Ok(frame) => ChatFrame::ToolApproval(frame),
        Err(e) => bad_tool(value, e),
    }
}

/// A refused tool frame: with its call id when it names one.
fn bad_tool(value: &Value, error: String) -> ChatFrame {
    match value.get("toolCallId").and_then(Value::as_str).filter(|id| !id.is_empty()) {
        Some(id) => ChatFrame::BadTool { tool_call_id: id.to_owned(), error },
        None => ChatFrame::Bad(error),
    }
}

/// Whether `name` may name a function for the model (`[A-Za-z0-9_-]{1,64}`).
pub(crate) fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The tools a page declares (`clientTools`: `{name, description?,
/// parameters?}` each, at most [`MAX_CLIENT_TOOLS`]); a later one of the same
/// name replaces an earlier one.
pub(crate) fn parse_client_tools(value: &Value) -> Result<Vec<ToolDefinition>, String> {
    let Some(list) = value.as_array() else { return Err("`clientTools` must be an array".into()) };
    if list.len() > MAX_CLIENT_TOOLS {
        return Err(format!("`clientTools` has {} tools, more than {MAX_CLIENT_TOOLS}", list.len()));
    }
    let mut tools: Vec<ToolDefinition> = Vec::new();
    for (i, tool) in list.iter().enumerate() {
        let name = match tool.get("name").and_then(Value::as_str) {
            Some(name) if is_tool_name(name) => name.to_owned(),
            _ => return Err(format!("clientTools[{i}]: `name` must be 1 to 64 letters, digits, `_` or `-`")),
        };
        let description = tool.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
        let parameters = match tool.get("parameters") {
            None | Some(Value::Null) => json!({ "type": "object", "properties": {} }),
            Some(schema @ Value::Object(_)) => schema.clone(),
            Some(_) => return Err(format!("clientTools[{i}]: `parameters` must be a JSON Schema object")),
        };
        tools.retain(|t| t.name != name);
        tools.push(ToolDefinition { name, description, parameters });
    }
    Ok(tools)
}

fn parse_request(value: &Value) -> ChatFrame {
    let id = match value.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => return ChatFrame::Bad(format!("{USE_CHAT_REQUEST}: `id` must be a non-empty string")),
    };
    let bad = |error: String| ChatFrame::BadRequest { id: id.clone(), error: format!("Bad chat request: {error}") };
    let Some(init) = value.get("init").and_then(Value::as_object) else {
        return bad("`init` must be an object".into());
    };
    match init.get("method").and_then(Value::as_str) {
        Some("POST") => {}
        _ => return bad("`init.method` must be \"POST\"".into()),
    }
    let Some(body) = init.get("body").and_then(Value::as_str) else {
        return bad("`init.body` must be a JSON string".into());
    };
    let mut body = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(body)) => body,
        Ok(_) => return bad("the body must be a JSON object".into()),
        Err(e) => return bad(format!("the body is not JSON ({e})")),
    };
    let messages = match body.remove("messages").as_ref().map(super::messages::check_messages) {
        Some(Ok(messages)) => messages,
        Some(Err(e)) => return bad(e),
        None => return bad("`messages` is missing".into()),
    };
    let trigger = match body.remove("trigger") {
        None | Some(Value::Null) => Trigger::Submit,
        Some(Value::String(t)) if t == "submit-message" => Trigger::Submit,
        Some(Value::String(t)) if t == "regenerate-message" => Trigger::Regenerate,
        Some(other) => {
            return bad(format!("`trigger` must be \"submit-message\" or \"regenerate-message\", not {other}"))
        }
    };
    let client_tools = match body.remove("clientTools") {
        None | Some(Value::Null) => Vec::new(),
        Some(tools) => match parse_client_tools(&tools) {
            Ok(tools) => tools,
            Err(e) => return bad(e),
        },
    };
    ChatFrame::Request(ChatRequestFrame { id, messages, trigger, body, client_tools })
}

/// Marks a frame of a continuation (`continuation: true`).
fn mark(mut frame: Value, continuation: bool) -> Value {
    if continuation {
        frame["continuation"] = true.into();
    }
    frame
}

/// A chunk frame of a live stream.
pub(crate) fn chunk_frame(id: &str, body: &str, seq: u64, continuation: bool) -> String {
    mark(json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": body, "done": false, "seq": seq }), continuation)
        .to_string()
}

/// A chunk frame replayed to a client that resumed.
pub(crate) fn replay_frame(id: &str, body: &str, seq: u64, continuation: bool) -> String {
    let frame = json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": body, "done": false, "seq": seq, "replay": true });
    mark(frame, continuation).to_string()
}

/// The end of a replay whose stream still runs: live frames follow.
pub(crate) fn replay_complete_frame(id: &str, continuation: bool) -> String {
    let frame = json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": "", "done": false, "replay": true, "replayComplete": true });
    mark(frame, continuation).to_string()
}

/// How a turn ended (`outcome` of the terminal frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The answer is complete.
    Completed,
    /// The model or the hook failed; what was streamed is kept.
    Error,
    /// The client stopped it; what was streamed is kept.
    Aborted,
    /// It got no turn ([`MessageConcurrency`](super::MessageConcurrency)).
    Skipped,
}

impl Outcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Error => "error",
            Outcome::Aborted => "aborted",
            Outcome::Skipped => "skipped",
        }
    }
}

/// The terminal frame of a turn (sent once its message is stored).
pub(crate) fn done_frame(id: &str, outcome: Outcome, message_ids: &[String], continuation: bool) -> Value {
    let frame = json!({
        "type": USE_CHAT_RESPONSE, "id": id, "body": "", "done": true,
        "outcome": outcome.as_str(), "messageIds": message_ids,
    });
    mark(frame, continuation)
}

/// The terminal frame of a turn that failed before or outside its stream:
/// the hook rejects the request with `error` as its message.
pub(crate) fn error_frame(id: &str, error: &str) -> String {
    error_frame_value(id, error, false).to_string()
}

/// [`error_frame`] as a value, marked for a continuation.
pub(crate) fn error_frame_value(id: &str, error: &str, continuation: bool) -> Value {
    let frame =
        json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": error, "done": true, "error": true, "outcome": "error" });
    mark(frame, continuation)
}

/// The bare terminal frame answering an acknowledgement of a stream this
/// instance no longer holds (so the client's resumed stream ends).
pub(crate) fn ended_frame(id: &str) -> String {
    json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": "", "done": true, "replay": true }).to_string()
}

/// A stored message changed (to every connection).
pub(crate) fn message_updated_frame(message: &Value) -> String {
    json!({ "type": MESSAGE_UPDATED, "message": message }).to_string()
}

/// The answer to a probe while a continuation is accepted but not yet
/// streaming: `cf_agent_stream_resuming` follows.
pub(crate) fn stream_pending_frame(id: Option<&str>, probe_id: Option<&str>) -> String {
    let mut frame = json!({ "type": STREAM_PENDING });
    if let Some(id) = id {
        frame["id"] = id.into();
    }
    if let Some(probe) = probe_id {
        frame["probeId"] = probe.into();
    }
    frame.to_string()
}

/// The transcript frame; `messages` is the JSON array's text.
pub(crate) fn messages_frame(messages: &str) -> String {
    format!("{{\"type\":\"{CHAT_MESSAGES}\",\"messages\":{messages}}}")
}

/// The clear frame.
pub(crate) fn clear_frame() -> String {
    json!({ "type": CHAT_CLEAR }).to_string()
}

/// The answer to a probe while a stream runs.
pub(crate) fn resuming_frame(id: &str, probe_id: Option<&str>) -> String {
    let mut frame = json!({ "type": STREAM_RESUMING, "id": id });
    if let Some(probe) = probe_id {
        frame["probeId"] = probe.into();
    }
    frame.to_string()
}

/// `reason` of `cf_agent_stream_resume_none`: nothing runs.
pub(crate) const IDLE: &str = "idle";
/// `reason` of `cf_agent_stream_resume_none`: a continuation runs that
/// another connection started and still holds (its replay is that
/// connection's; this one sees the message through the transcript).
pub(crate) const CONTINUATION_OWNED: &str = "continuation-owned";

/// The answer to a probe with no stream to resume, with its `reason`
/// ([`IDLE`], [`CONTINUATION_OWNED`]).
pub(crate) fn resume_none_frame(reason: &str, probe_id: Option<&str>) -> String {
    let mut frame = json!({ "type": STREAM_RESUME_NONE, "reason": reason });
    if let Some(probe) = probe_id {
        frame["probeId"] = probe.into();
    }
    frame.to_string()
}

/// The answer to a chat frame that cannot be applied and names no request.
pub(crate) fn chat_error_frame(error: &str) -> String {
    json!({ "type": CHAT_ERROR, "error": error }).to_string()
}

/// The answer to a tool result or approval that cannot be applied.
pub(crate) fn tool_error_frame(tool_call_id: &str, error: &str) -> String {
    json!({ "type": CHAT_ERROR, "error": error, "toolCallId": tool_call_id }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &str) -> String {
        json!({ "type": USE_CHAT_REQUEST, "id": "r1", "init": { "method": "POST", "body": body } }).to_string()
    }

    const USER: &str = r#"{"id":"u1","role":"user","parts":[{"type":"text","text":"hi"}]}"#;

    #[test]
    fn reads_a_request_with_its_trigger_and_custom_body() {
        let body = format!(r#"{{"messages":[{USER}],"trigger":"regenerate-message","model":"x"}}"#);
        let ChatFrame::Request(r) = parse_chat_frame(&request(&body)) else { panic!() };
        assert_eq!((r.id.as_str(), r.trigger, r.messages.len()), ("r1", Trigger::Regenerate, 1));
        assert_eq!(r.body.get("model"), Some(&json!("x")));
        assert!(!r.body.contains_key("messages") && !r.body.contains_key("trigger"));
        let body = format!(r#"{{"messages":[{USER}]}}"#);
        assert!(matches!(parse_chat_frame(&request(&body)), ChatFrame::Request(r) if r.trigger == Trigger::Submit));
    }

    #[test]
    fn refuses_bad_requests_by_their_id_with_the_reason() {
        let cases = [
            ("{oops", "not JSON"),
            ("[1]", "must be a JSON object"),
            (r#"{"trigger":"submit-message"}"#, "`messages` is missing"),
            (r#"{"messages":{}}"#, "must be an array"),
            (r#"{"messages":[{"id":1,"role":"user","parts":[]}]}"#, "`id` must be a non-empty string"),
            (r#"{"messages":[{"id":"a","role":"robot","parts":[]}]}"#, "`role` must be"),
            (r#"{"messages":[{"id":"a","role":"user","parts":"x"}]}"#, "`parts` must be an array"),
            (r#"{"messages":[],"trigger":"go"}"#, "`trigger` must be"),
        ];
        for (body, needle) in cases {
            match parse_chat_frame(&request(body)) {
                ChatFrame::BadRequest { id, error } => {
                    assert_eq!(id, "r1");
                    assert!(error.contains(needle), "{body}: {error}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        let get = json!({ "type": USE_CHAT_REQUEST, "id": "r2", "init": { "method": "GET", "body": "{}" } });
        assert!(
            matches!(parse_chat_frame(&get.to_string()), ChatFrame::BadRequest { error, .. } if error.contains("POST"))
        );
        let no_id = json!({ "type": USE_CHAT_REQUEST, "init": { "method": "POST", "body": "{}" } });
        assert!(matches!(parse_chat_frame(&no_id.to_string()), ChatFrame::Bad(_)));
    }

    #[test]
    fn reads_the_other_chat_frames() {
        assert_eq!(parse_chat_frame(r#"{"type":"cf_agent_chat_clear"}"#), ChatFrame::Clear);
        assert_eq!(
            parse_chat_frame(r#"{"type":"cf_agent_chat_request_cancel","id":"r"}"#),
            ChatFrame::Cancel("r".into())
        );
        assert_eq!(
            parse_chat_frame(r#"{"type":"cf_agent_stream_resume_request","probeId":"p"}"#),
            ChatFrame::ResumeRequest { probe_id: Some("p".into()) }
        );
        assert_eq!(
            parse_chat_frame(r#"{"type":"cf_agent_stream_resume_ack","id":"r"}"#),
            ChatFrame::ResumeAck("r".into())
        );
        let messages = format!(r#"{{"type":"cf_agent_chat_messages","messages":[{USER}]}}"#);
        assert!(matches!(parse_chat_frame(&messages), ChatFrame::Messages(m) if m.len() == 1));
        assert!(matches!(parse_chat_frame(r#"{"type":"cf_agent_chat_messages","messages":7}"#), ChatFrame::Bad(_)));
        assert!(matches!(parse_chat_frame(r#"{"type":"cf_agent_chat_request_cancel"}"#), ChatFrame::Bad(_)));
        assert_eq!(parse_chat_frame(r#"{"type":"rpc","id":"1"}"#), ChatFrame::Other);
        assert_eq!(parse_chat_frame(r#"{"type":"cf_agent_state","state":{}}"#), ChatFrame::Other);
        assert_eq!(parse_chat_frame("hello cf_agent_chat_clear"), ChatFrame::Other);
    }

    #[test]
    fn writes_the_frames_the_hook_reads() {
        let chunk: Value = serde_json::from_str(&chunk_frame("r", r#"{"type":"start"}"#, 3, false)).unwrap();
        assert_eq!(
            chunk,
            json!({"type": USE_CHAT_RESPONSE, "id": "r", "body": "{\"type\":\"start\"}", "done": false, "seq": 3})
        );
        let done = done_frame("r", Outcome::Aborted, &["u".into()], false);
        assert_eq!(done["done"], true);
        assert_eq!(done["outcome"], "aborted");
        assert_eq!(done["messageIds"], json!(["u"]));
        let none: Value = serde_json::from_str(&resume_none_frame(IDLE, Some("p"))).unwrap();
        assert_eq!(none, json!({"type": STREAM_RESUME_NONE, "reason": "idle", "probeId": "p"}));
        let all: Value = serde_json::from_str(&messages_frame("[]")).unwrap();
        assert_eq!(all, json!({"type": CHAT_MESSAGES, "messages": []}));
        let continued: Value = serde_json::from_str(&chunk_frame("r", "{}", 0, true)).unwrap();
        assert_eq!(continued["continuation"], true);
        assert_eq!(done_frame("r", Outcome::Completed, &[], true)["continuation"], true);
        let replayed: Value = serde_json::from_str(&replay_frame("r", "{}", 4, true)).unwrap();
        assert_eq!(
            (replayed["replay"].clone(), replayed["seq"].clone(), replayed["continuation"].clone()),
            (json!(true), json!(4), json!(true))
        );
        let pending: Value = serde_json::from_str(&stream_pending_frame(Some("c"), Some("p"))).unwrap();
        assert_eq!(pending, json!({"type": STREAM_PENDING, "id": "c", "probeId": "p"}));
    }

    #[test]
    fn reads_tool_results_and_approvals() {
        let result = json!({ "type": TOOL_RESULT, "toolCallId": "c1", "toolName": "where", "output": { "city": "Oslo" },
            "autoContinue": true, "clientTools": [{ "name": "where", "description": "the user's city" }] });
        let ChatFrame::ToolResult(r) = parse_chat_frame(&result.to_string()) else { panic!() };
        assert_eq!((r.tool_call_id.as_str(), r.tool_name.as_str(), r.auto_continue), ("c1", "where", true));
        assert_eq!(r.output, json!({ "city": "Oslo" }));
        assert_eq!(r.error, None);
        assert_eq!(r.client_tools.unwrap()[0].parameters, json!({ "type": "object", "properties": {} }));
        let failed = json!({ "type": TOOL_RESULT, "toolCallId": "c1", "state": "output-error", "errorText": "no GPS" });
        let ChatFrame::ToolResult(r) = parse_chat_frame(&failed.to_string()) else { panic!() };
        assert_eq!((r.error.as_deref(), r.auto_continue, r.output), (Some("no GPS"), false, Value::Null));
        let approval = json!({ "type": TOOL_APPROVAL, "toolCallId": "c2", "approved": false, "autoContinue": true });
        assert_eq!(
            parse_chat_frame(&approval.to_string()),
            ChatFrame::ToolApproval(ToolApprovalFrame {
                tool_call_id: "c2".into(),
                approved: false,
                auto_continue: true
            })
        );
        let bad = [
            (json!({ "type": TOOL_RESULT, "output": 1 }), "`toolCallId` must be"),
            (json!({ "type": TOOL_RESULT, "toolCallId": "" }), "`toolCallId` must be"),
            (json!({ "type": TOOL_RESULT, "toolCallId": "c", "toolName": 3 }), "`toolName` must be"),
            (json!({ "type": TOOL_RESULT, "toolCallId": "c", "state": "done" }), "`state` must be"),
            (json!({ "type": TOOL_RESULT, "toolCallId": "c", "autoContinue": "yes" }), "`autoContinue` must be"),
            (json!({ "type": TOOL_RESULT, "toolCallId": "c", "clientTools": [{ "name": "a b" }] }), "`name` must be"),
            (json!({ "type": TOOL_APPROVAL, "toolCallId": "c" }), "`approved` must be"),
            (json!({ "type": TOOL_APPROVAL, "toolCallId": "c", "approved": "yes" }), "`approved` must be"),
        ];
        for (frame, needle) in bad {
            match parse_chat_frame(&frame.to_string()) {
                ChatFrame::Bad(e) => {
                    assert!(e.contains(needle) && frame.get("toolCallId").is_none_or(|id| id == ""), "{frame}: {e}")
                }
                ChatFrame::BadTool { tool_call_id, error } => {
                    assert_eq!(tool_call_id, "c");
                    assert!(error.contains(needle), "{frame}: {error}");
                }
                other => panic!("{frame}: {other:?}"),
            }
        }
    }

    #[test]
    fn reads_the_pages_tools_from_a_request() {
        let body = format!(
            r#"{{"messages":[{USER}],"clientTools":[{{"name":"where","parameters":{{"type":"object"}}}},{{"name":"where","description":"again"}}]}}"#
        );
        let ChatFrame::Request(r) = parse_chat_frame(&request(&body)) else { panic!() };
        assert_eq!(r.client_tools.len(), 1);
        assert_eq!(r.client_tools[0].description, "again");
        assert!(!r.body.contains_key("clientTools"));
        let many: Vec<Value> = (0..=MAX_CLIENT_TOOLS).map(|i| json!({ "name": format!("t{i}") })).collect();
        let body = json!({ "messages": [], "clientTools": many }).to_string();
        assert!(
            matches!(parse_chat_frame(&request(&body)), ChatFrame::BadRequest { error, .. } if error.contains("more than"))
        );
        let body = json!({ "messages": [], "clientTools": [{ "name": "x", "parameters": "any" }] }).to_string();
        assert!(
            matches!(parse_chat_frame(&request(&body)), ChatFrame::BadRequest { error, .. } if error.contains("JSON Schema"))
        );
    }
}
