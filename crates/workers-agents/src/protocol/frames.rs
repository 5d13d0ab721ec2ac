//! The JSON frames spoken with the official `agents` clients (`AgentClient`,
//! `useAgent`). Pure: no runtime types, tested natively.

use std::borrow::Cow;
use std::fmt::Write;

use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Text sent in a `cf_agent_state_error` frame to a readonly connection.
pub(crate) const READONLY_ERROR: &str = "Connection is readonly";
/// Text sent in a `cf_agent_state_error` frame when a client's state is refused.
pub(crate) const STATE_REJECTED_ERROR: &str = "State update rejected";

/// The frame that tells a client which agent instance it reached.
pub(crate) fn identity_frame(name: &str, agent: &str, state_follows: bool) -> String {
    let mut frame = Map::new();
    frame.insert("type".into(), "cf_agent_identity".into());
    frame.insert("name".into(), name.into());
    frame.insert("agent".into(), agent.into());
    if state_follows {
        frame.insert("stateFollows".into(), true.into());
    }
    Value::Object(frame).to_string()
}

/// What a state frame starts with; the state's JSON and `}` follow.
pub(crate) const STATE_FRAME_HEAD: &str = r#"{"type":"cf_agent_state","state":"#;

#[cfg(test)]
/// A state frame around already-serialized state JSON, so a state is
/// serialized once however many connections receive it.
pub(crate) fn state_frame(state_json: &str) -> String {
    let mut frame = String::with_capacity(STATE_FRAME_HEAD.len() + state_json.len() + 1);
    frame.push_str(STATE_FRAME_HEAD);
    frame.push_str(state_json);
    frame.push('}');
    frame
}

/// A `cf_agent_state_error` frame.
pub(crate) fn state_error_frame(error: &str) -> String {
    serde_json::json!({"type": "cf_agent_state_error", "error": error}).to_string()
}

/// The MCP-servers frame the clients expect on connect (no MCP client
/// connections are kept by Rust agents yet, so its lists are empty).
pub(crate) fn mcp_servers_frame() -> &'static str {
    r#"{"type":"cf_agent_mcp_servers","mcp":{"prompts":[],"resources":[],"servers":{},"tools":[]}}"#
}

/// A successful RPC frame. `done: false` marks a streamed chunk; `result`
/// is omitted when the method returns nothing. The result is JSON text
/// already (encoded once, straight from the method's return type).
pub(crate) fn rpc_result_frame(id: &str, result: Option<&RawValue>, done: bool) -> String {
    let mut frame = String::with_capacity(64 + id.len());
    frame.push_str(r#"{"type":"rpc","id":"#);
    // Writing into a `String` cannot fail.
    let _ = write!(frame, r#"{},"success":true"#, Value::from(id));
    if let Some(result) = result {
        frame.push_str(r#","result":"#);
        frame.push_str(result.get());
    }
    frame.push_str(if done { r#","done":true}"# } else { r#","done":false}"# });
    frame
}

/// A failed RPC frame. `id` is echoed as the client sent it (a client only
/// matches string ids, but echoing keeps a malformed request traceable).
pub(crate) fn rpc_error_frame(id: &Value, error: &str) -> String {
    serde_json::json!({"type": "rpc", "id": id, "success": false, "error": error}).to_string()
}

/// A well-formed RPC request from a client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RpcRequest {
    /// The client's id for the call, echoed in every reply frame.
    pub id: String,
    /// The method name.
    pub method: String,
    /// Positional arguments.
    pub args: Vec<Value>,
}

/// What a text frame from a client is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming<'a> {
    /// `{"type":"cf_agent_state","state":...}`: the client pushes state,
    /// given as its JSON text (decoded straight into the agent's state type).
    State(&'a str),
    /// A well-formed RPC request.
    Rpc(RpcRequest),
    /// A frame of type `rpc` that is not a valid request: the client gets an
    /// error frame rather than silence.
    BadRpc {
        /// The `id` field as sent (`null` when absent).
        id: Value,
        /// Why the request is invalid.
        error: String,
    },
    /// Anything else, JSON or not: the agent's own message hook handles it.
    Other,
}

/// The fields of a client frame the protocol looks at; others are skipped
/// without being built. `Some` means present (even as `null`). The values
/// are captured as JSON text and decoded one by one, so a value serde_json
/// cannot build (`1e999`, a lone surrogate, nesting past 128 levels) fails
/// that field alone and the caller still gets an answer for its id.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    state: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    args: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    success: Option<IgnoredAny>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Classifies a text frame. Never fails: unknown shapes are [`Incoming::Other`].
pub(crate) fn parse_incoming(text: &str) -> Incoming<'_> {
    let Ok(frame) = serde_json::from_str::<Frame<'_>>(text) else {
        return Incoming::Other;
    };
    match frame.kind.as_deref() {
        Some("cf_agent_state") => match frame.state {
            Some(state) => Incoming::State(state.get()),
            None => Incoming::Other,
        },
        Some("rpc") if frame.success.is_some() => Incoming::Other,
        Some("rpc") => parse_rpc(frame),
        _ => Incoming::Other,
    }
}

fn parse_rpc(frame: Frame<'_>) -> Incoming<'static> {
    let id = frame.id.and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or(Value::Null);
    let bad = |id: Value, error: &str| Incoming::BadRpc { id, error: format!("Invalid RPC request: {error}") };
    let Value::String(id_text) = &id else {
        return bad(id, "id must be a string");
    };
    let method = match frame.method.map(|raw| serde_json::from_str::<Value>(raw.get())) {
        Some(Ok(Value::String(m))) if !m.is_empty() => m,
        _ => return bad(id, "method must be a non-empty string"),
    };
    let args = match frame.args.map(RawValue::get) {
        None | Some("null") => Vec::new(),
        Some(raw) if raw.starts_with('[') => match serde_json::from_str(raw) {
            Ok(args) => args,
            Err(e) => return bad(id, &format!("args could not be read: {e}")),
        },
        Some(_) => return bad(id, "args must be an array"),
    };
    Incoming::Rpc(RpcRequest { id: id_text.clone(), method, args })
}

/// The `type` and `id` a frame starts with.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Head {
    pub(crate) kind: Option<String>,
    pub(crate) id: Option<Value>,
}

/// Reads the `type` and `id` at the start of a frame (where the official
/// clients put them) and nothing after them: what a frame too large to parse
/// is, so that its refusal reaches the right caller. The cost does not grow
/// with the frame. A frame that starts otherwise has an empty head.
pub(crate) fn peek_head(text: &str) -> Head {
    let mut head = Head::default();
    let Some(mut rest) = text.trim_start().strip_prefix('{') else {
        return head;
    };
    while head.kind.is_none() || head.id.is_none() {
        let Some((key, after)) = next_value::<String>(rest).and_then(|(k, r)| Some((k, colon(r)?))) else {
            break;
        };
        rest = match key.as_str() {
            "type" => match next_value::<String>(after) {
                Some((kind, r)) => {
                    head.kind = Some(kind);
                    r
                }
                None => break,
            },
            // Only a string or a number: anything else could be large.
            "id" if after.trim_start().starts_with(|c: char| c == '"' || c == '-' || c.is_ascii_digit()) => {
                match next_value::<Value>(after) {
                    Some((id, r)) => {
                        head.id = Some(id);
                        r
                    }
                    None => break,
                }
            }
            _ => break,
        };
        match rest.trim_start().strip_prefix(',') {
            Some(r) => rest = r,
            None => break,
        }
    }
    head
}

/// The JSON value at the start of `text` (after whitespace) and what follows it.
fn next_value<T: serde::de::DeserializeOwned>(text: &str) -> Option<(T, &str)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, &text[values.byte_offset()..]))
}

/// What follows the `:` after a key.
fn colon(text: &str) -> Option<&str> {
    text.trim_start().strip_prefix(':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(&value).unwrap()
    }

    fn parsed(frame: &str) -> Value {
        serde_json::from_str(frame).unwrap()
    }

    #[test]
    fn identity_frame_marks_state_follows_only_when_asked() {
        assert_eq!(
            parsed(&identity_frame("room-1", "chat-room", true)),
            json!({"type":"cf_agent_identity","name":"room-1","agent":"chat-room","stateFollows":true})
        );
        assert_eq!(parsed(&identity_frame("a", "b", false)).get("stateFollows"), None);
    }

    #[test]
    fn state_frame_embeds_raw_json() {
        assert_eq!(parsed(&state_frame(r#"{"count":1}"#)), json!({"type":"cf_agent_state","state":{"count":1}}));
    }

    #[test]
    fn rpc_frames_match_the_reference() {
        assert_eq!(
            parsed(&rpc_result_frame("1", Some(&raw(json!(3))), true)),
            json!({"type":"rpc","id":"1","success":true,"result":3,"done":true})
        );
        assert_eq!(
            parsed(&rpc_result_frame("q\"1", Some(&raw(json!({"a": [1, "x"]}))), false)),
            json!({"type":"rpc","id":"q\"1","success":true,"result":{"a":[1,"x"]},"done":false})
        );
        assert_eq!(
            parsed(&rpc_result_frame("1", None, true)),
            json!({"type":"rpc","id":"1","success":true,"done":true})
        );
        assert_eq!(
            parsed(&rpc_error_frame(&json!("1"), "Method x does not exist")),
            json!({"type":"rpc","id":"1","success":false,"error":"Method x does not exist"})
        );
    }

    struct Case {
        input: &'static str,
        expect: Incoming<'static>,
    }

    #[test]
    fn classifies_incoming_frames() {
        let cases = [
            Case { input: "hello", expect: Incoming::Other },
            Case { input: "{not json", expect: Incoming::Other },
            Case { input: "[1,2]", expect: Incoming::Other },
            Case { input: r#"{"type":"chat","text":"hi"}"#, expect: Incoming::Other },
            Case { input: r#"{"type":"cf_agent_state","state":{"n":1}}"#, expect: Incoming::State(r#"{"n":1}"#) },
            Case { input: r#"{"type":"cf_agent_state","state":null}"#, expect: Incoming::State("null") },
            Case {
                input: r#"{"state": [1, 2] ,"type":"cf_agent_state","x":{"y":[]}}"#,
                expect: Incoming::State("[1, 2]"),
            },
            Case { input: r#"{"type":"cf_agent_state","state":{"n":1}"#, expect: Incoming::Other },
            Case { input: r#"{"type":"cf_agent_state"}"#, expect: Incoming::Other },
            Case {
                input: r#"{"type":"rpc","id":"a","method":"add","args":[1,2]}"#,
                expect: Incoming::Rpc(RpcRequest {
                    id: "a".into(),
                    method: "add".into(),
                    args: vec![json!(1), json!(2)],
                }),
            },
            Case {
                input: r#"{"type":"rpc","id":"a","method":"ping"}"#,
                expect: Incoming::Rpc(RpcRequest { id: "a".into(), method: "ping".into(), args: vec![] }),
            },
            Case {
                input: r#"{"type":"rpc","id":7,"method":"add","args":[]}"#,
                expect: Incoming::BadRpc { id: json!(7), error: "Invalid RPC request: id must be a string".into() },
            },
            Case {
                input: r#"{"type":"rpc","id":"a","method":5,"args":[]}"#,
                expect: Incoming::BadRpc {
                    id: json!("a"),
                    error: "Invalid RPC request: method must be a non-empty string".into(),
                },
            },
            Case {
                input: r#"{"type":"rpc","id":"a","method":"add","args":{"a":1}}"#,
                expect: Incoming::BadRpc { id: json!("a"), error: "Invalid RPC request: args must be an array".into() },
            },
            // A reply-shaped frame is not a request.
            Case { input: r#"{"type":"rpc","id":"a","success":true,"result":1}"#, expect: Incoming::Other },
            Case { input: r#"{"type":"rpc","id":"a","success":null}"#, expect: Incoming::Other },
            Case {
                input: r#"{"type":"rpc","id":null,"method":"add"}"#,
                expect: Incoming::BadRpc { id: json!(null), error: "Invalid RPC request: id must be a string".into() },
            },
            Case {
                input: r#"{"type":"rpc","id":"a","method":"add","args":null}"#,
                expect: Incoming::Rpc(RpcRequest { id: "a".into(), method: "add".into(), args: vec![] }),
            },
            Case {
                input: r#"{"type":"r\u0070c","id":"a","method":"m"}"#,
                expect: Incoming::Rpc(RpcRequest { id: "a".into(), method: "m".into(), args: vec![] }),
            },
        ];
        for case in cases {
            assert_eq!(parse_incoming(case.input), case.expect, "input: {}", case.input);
        }
    }

    #[test]
    fn a_value_serde_json_cannot_build_fails_its_rpc_not_the_frame() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for args in ["[1e999]", r#"["\ud800"]"#, deep.as_str()] {
            let frame = format!(r#"{{"type":"rpc","id":"a","method":"m","extra":{args},"args":{args}}}"#);
            match parse_incoming(&frame) {
                Incoming::BadRpc { id, error } => {
                    assert_eq!(id, json!("a"));
                    assert!(error.starts_with("Invalid RPC request: args could not be read"), "{error}");
                }
                other => panic!("{frame}: {other:?}"),
            }
        }
        let frame = r#"{"type":"rpc","id":"a","method":"m","extra":[1e999]}"#;
        assert_eq!(
            parse_incoming(frame),
            Incoming::Rpc(RpcRequest { id: "a".into(), method: "m".into(), args: vec![] })
        );
    }

    #[test]
    fn peeks_at_type_and_id_only() {
        let head = |kind: &str, id: Value| Head { kind: Some(kind.into()), id: Some(id) };
        assert_eq!(peek_head(r#"{"type":"rpc","id":"big","method":"m","args":[1,2"#), head("rpc", json!("big")));
        assert_eq!(peek_head(r#" { "id" : 7 , "type" : "rpc" , "args": [[[["#), head("rpc", json!(7)));
        assert_eq!(peek_head(r#"{"type":"cf_agent_state","state":{"a":"#).kind.as_deref(), Some("cf_agent_state"));
        // Stops at the first other key, or an id that is not a string or number.
        assert_eq!(peek_head(r#"{"method":"m","type":"rpc","id":"x"}"#), Head::default());
        assert_eq!(peek_head(r#"{"type":"rpc","id":{"deep":[1]}}"#), Head { kind: Some("rpc".into()), id: None });
        for text in ["", "hello", "[1]", "{", r#"{"type""#, r#"{"type":"#, r#"{"type":5}"#] {
            assert_eq!(peek_head(text), Head::default(), "{text}");
        }
    }
}
