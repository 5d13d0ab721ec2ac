//! The chat frames of the official `useAgentChat` hook (npm `agents`
//! `agents/chat/react`): what clients send, parsed and checked, and the
//! frames the server answers with. Pure: tested natively.

use serde_json::{json, Map, Value};

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
        USE_CHAT_REQUEST | CHAT_MESSAGES | CHAT_CLEAR | CHAT_REQUEST_CANCEL | STREAM_RESUME_REQUEST | STREAM_RESUME_ACK
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
    ChatFrame::Request(ChatRequestFrame { id, messages, trigger, body })
}

/// A chunk frame of a live stream.
pub(crate) fn chunk_frame(id: &str, body: &str, seq: u64) -> String {
    json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": body, "done": false, "seq": seq }).to_string()
}

/// A chunk frame replayed to a client that resumed.
pub(crate) fn replay_frame(id: &str, body: &str, seq: u64) -> String {
    json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": body, "done": false, "seq": seq, "replay": true }).to_string()
}

/// The end of a replay whose stream still runs: live frames follow.
pub(crate) fn replay_complete_frame(id: &str) -> String {
    json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": "", "done": false, "replay": true, "replayComplete": true })
        .to_string()
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
}

impl Outcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Error => "error",
            Outcome::Aborted => "aborted",
        }
    }
}

/// The terminal frame of a turn (sent once its message is stored).
pub(crate) fn done_frame(id: &str, outcome: Outcome, message_ids: &[String]) -> String {
    json!({
        "type": USE_CHAT_RESPONSE, "id": id, "body": "", "done": true,
        "outcome": outcome.as_str(), "messageIds": message_ids,
    })
    .to_string()
}

/// The terminal frame of a turn that failed before or outside its stream:
/// the hook rejects the request with `error` as its message.
pub(crate) fn error_frame(id: &str, error: &str) -> String {
    json!({ "type": USE_CHAT_RESPONSE, "id": id, "body": error, "done": true, "error": true, "outcome": "error" })
        .to_string()
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

/// The answer to a probe while nothing runs.
pub(crate) fn resume_none_frame(probe_id: Option<&str>) -> String {
    let mut frame = json!({ "type": STREAM_RESUME_NONE, "reason": "idle" });
    if let Some(probe) = probe_id {
        frame["probeId"] = probe.into();
    }
    frame.to_string()
}

/// The answer to a chat frame that cannot be applied and names no request.
pub(crate) fn chat_error_frame(error: &str) -> String {
    json!({ "type": CHAT_ERROR, "error": error }).to_string()
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
        let chunk: Value = serde_json::from_str(&chunk_frame("r", r#"{"type":"start"}"#, 3)).unwrap();
        assert_eq!(
            chunk,
            json!({"type": USE_CHAT_RESPONSE, "id": "r", "body": "{\"type\":\"start\"}", "done": false, "seq": 3})
        );
        let done: Value = serde_json::from_str(&done_frame("r", Outcome::Aborted, &["u".into()])).unwrap();
        assert_eq!(done["done"], true);
        assert_eq!(done["outcome"], "aborted");
        assert_eq!(done["messageIds"], json!(["u"]));
        let none: Value = serde_json::from_str(&resume_none_frame(Some("p"))).unwrap();
        assert_eq!(none, json!({"type": STREAM_RESUME_NONE, "reason": "idle", "probeId": "p"}));
        let all: Value = serde_json::from_str(&messages_frame("[]")).unwrap();
        assert_eq!(all, json!({"type": CHAT_MESSAGES, "messages": []}));
    }
}
