//! `UIMessage`s (the AI SDK's message shape the hook keeps): the checks a
//! client's messages pass before they are stored, the model's view of them,
//! and an assistant message built from the chunks a turn streams. Pure:
//! tested natively.

use serde_json::{json, Map, Value};

use super::tool_parts::{self, call_id, state_of, tool_name};
use crate::ai::{ChatMessage, Role, ToolCall};

/// What the model is told for a call a person denied.
pub const DENIED_TOOL_CALL: &str = "The user denied this tool call; it did not run.";
/// What the model is told for a call that has no result (a browser tool
/// that never answered, a call still waiting when the user wrote again).
pub const UNANSWERED_TOOL_CALL: &str = "This tool call has no result; it did not complete.";

/// The error a tool call gets when the stream that ran it was cut by an
/// eviction before its outcome was known.
pub const INTERRUPTED_TOOL_CALL: &str =
    "The reply was interrupted (the agent restarted) before this tool call finished.";

/// Checks a client's message list: an array of objects, each with a
/// non-empty string `id`, a `role` of `system`, `user` or `assistant`, and
/// an array of `parts`. Everything else in a message is kept as it is.
pub(crate) fn check_messages(value: &Value) -> Result<Vec<Value>, String> {
    let Some(list) = value.as_array() else { return Err("`messages` must be an array".into()) };
    let mut seen = std::collections::HashSet::new();
    for (i, message) in list.iter().enumerate() {
        let Some(object) = message.as_object() else { return Err(format!("messages[{i}] must be an object")) };
        let id = match object.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id,
            _ => return Err(format!("messages[{i}]: `id` must be a non-empty string")),
        };
        if !seen.insert(id) {
            return Err(format!("messages[{i}]: the id {id:?} appears twice"));
        }
        match object.get("role").and_then(Value::as_str) {
            Some("system" | "user" | "assistant") => {}
            _ => return Err(format!("messages[{i}]: `role` must be \"system\", \"user\" or \"assistant\"")),
        }
        if !object.get("parts").is_some_and(Value::is_array) {
            return Err(format!("messages[{i}]: `parts` must be an array"));
        }
    }
    Ok(list.clone())
}

/// A message's id (checked messages have one).
pub(crate) fn id_of(message: &Value) -> &str {
    message.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// A message's role (checked messages have one).
pub(crate) fn role_of(message: &Value) -> &str {
    message.get("role").and_then(Value::as_str).unwrap_or_default()
}

/// The text of a message: its text parts, joined by newlines.
pub fn text_of(message: &Value) -> String {
    let parts = message.get("parts").and_then(Value::as_array).into_iter().flatten();
    let texts: Vec<&str> = parts
        .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    texts.join("\n")
}

/// The conversation as the model reads it, in the OpenAI chat form:
/// `system` first when given, then each message's text under its role
/// (messages without text left out). An assistant message gives one
/// assistant message per step (its parts between `step-start`s): the
/// step's text with its tool calls (`tool_calls`), then one tool message
/// per call with the output as JSON text, the error text, that it was
/// denied ([`DENIED_TOOL_CALL`]) or that it has no result
/// ([`UNANSWERED_TOOL_CALL`]). Calls whose input is still streaming are
/// left out.
pub fn model_messages(system: Option<&str>, messages: &[Value]) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = system.map(ChatMessage::system).into_iter().collect();
    for message in messages {
        let role = match role_of(message) {
            "system" => Role::System,
            "assistant" => {
                assistant_messages(message, &mut out);
                continue;
            }
            _ => Role::User,
        };
        let text = text_of(message);
        if !text.is_empty() {
            out.push(ChatMessage::new(role, text));
        }
    }
    out
}

/// One step of an assistant message, for the model.
#[derive(Default)]
struct Step {
    texts: Vec<String>,
    calls: Vec<ToolCall>,
    results: Vec<ChatMessage>,
}

impl Step {
    fn flush(&mut self, out: &mut Vec<ChatMessage>) {
        let step = std::mem::take(self);
        let text = step.texts.join("\n");
        if text.is_empty() && step.calls.is_empty() {
            return;
        }
        out.push(ChatMessage { tool_calls: step.calls, ..ChatMessage::assistant(text) });
        out.extend(step.results);
    }
}

fn assistant_messages(message: &Value, out: &mut Vec<ChatMessage>) {
    let mut step = Step::default();
    for part in message.get("parts").and_then(Value::as_array).into_iter().flatten() {
        if part.get("type").and_then(Value::as_str) == Some("step-start") {
            step.flush(out);
        } else if let (Some(id), Some(name)) = (call_id(part), tool_name(part)) {
            if state_of(part) == tool_parts::INPUT_STREAMING {
                continue;
            }
            let arguments = match (part.get("input"), part.get("rawInput")) {
                (Some(input), _) if !input.is_null() => input.to_string(),
                (_, Some(Value::String(raw))) => raw.clone(),
                _ => "{}".to_owned(),
            };
            step.calls.push(ToolCall { id: id.to_owned(), name: name.to_owned(), arguments });
            step.results.push(ChatMessage::tool(id, tool_result_text(part)));
        } else if part.get("type").and_then(Value::as_str) == Some("text") {
            if let Some(text) = part.get("text").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                step.texts.push(text.to_owned());
            }
        }
    }
    step.flush(out);
}

/// A tool part's result as the model reads it.
fn tool_result_text(part: &Value) -> String {
    match state_of(part) {
        tool_parts::OUTPUT_AVAILABLE => part.get("output").unwrap_or(&Value::Null).to_string(),
        tool_parts::OUTPUT_ERROR => {
            format!("Error: {}", part.get("errorText").and_then(Value::as_str).unwrap_or("the tool failed"))
        }
        tool_parts::OUTPUT_DENIED => DENIED_TOOL_CALL.to_owned(),
        _ => UNANSWERED_TOOL_CALL.to_owned(),
    }
}

/// Cuts `text` into pieces of at most `max` bytes, at character boundaries
/// (`max` must be at least 4). An empty text is one empty piece.
pub(crate) fn pieces(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push(head);
        rest = tail;
    }
    out.push(rest);
    out
}

/// The assistant message a turn builds from the chunks it streams.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MessageBuilder {
    id: String,
    parts: Vec<Value>,
    /// Open text/reasoning parts: (chunk id, kind, index in `parts`).
    open: Vec<(String, &'static str, usize)>,
    metadata: Option<Value>,
}

impl MessageBuilder {
    pub(crate) fn new(id: &str) -> Self {
        MessageBuilder { id: id.to_owned(), parts: Vec::new(), open: Vec::new(), metadata: None }
    }

    /// A builder that extends a stored assistant message (a continuation).
    pub(crate) fn extending(message: &Value) -> Self {
        let parts = message.get("parts").and_then(Value::as_array).cloned().unwrap_or_default();
        let metadata = message.get("metadata").filter(|m| m.is_object()).cloned();
        MessageBuilder { id: id_of(message).to_owned(), parts, open: Vec::new(), metadata }
    }

    /// The message's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Whether a tool part has this call id.
    pub(crate) fn has_call(&self, id: &str) -> bool {
        self.parts.iter().any(|p| call_id(p) == Some(id))
    }

    fn call_mut(&mut self, kind: &str, id: &str) -> Result<&mut Value, String> {
        self.parts
            .iter_mut()
            .find(|p| call_id(p) == Some(id))
            .ok_or_else(|| format!("{kind} for the tool call {id:?}, which was not started"))
    }

    fn apply_tool(&mut self, kind: &str, chunk: &Value) -> Result<(), String> {
        let id = chunk.get("toolCallId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let name = chunk.get("toolName").and_then(Value::as_str).unwrap_or_default();
        let new_part = |state: &str| {
            if chunk.get("dynamic").and_then(Value::as_bool) == Some(true) {
                json!({ "type": "dynamic-tool", "toolName": name, "toolCallId": id, "state": state })
            } else {
                json!({ "type": format!("tool-{name}"), "toolCallId": id, "state": state })
            }
        };
        match kind {
            "tool-input-start" => {
                if self.has_call(&id) {
                    return Err(format!("tool-input-start for the tool call {id:?}, which was started already"));
                }
                self.parts.push(new_part(tool_parts::INPUT_STREAMING));
            }
            "tool-input-delta" => {
                let part = self.call_mut(kind, &id)?;
                if state_of(part) != tool_parts::INPUT_STREAMING {
                    return Err(format!("tool-input-delta for the tool call {id:?}, whose input is complete"));
                }
            }
            "tool-input-available" | "tool-input-error" => {
                if !self.has_call(&id) {
                    self.parts.push(new_part(tool_parts::INPUT_STREAMING));
                }
                let part = self.call_mut(kind, &id)?;
                let input = chunk.get("input").cloned().unwrap_or(Value::Null);
                if kind == "tool-input-available" {
                    part["state"] = tool_parts::INPUT_AVAILABLE.into();
                    part["input"] = input;
                } else {
                    part["state"] = tool_parts::OUTPUT_ERROR.into();
                    part["rawInput"] = input;
                    part["errorText"] = chunk.get("errorText").cloned().unwrap_or_else(|| "invalid input".into());
                }
            }
            "tool-approval-request" => {
                let approval = chunk.get("approvalId").cloned().unwrap_or_else(|| id.clone().into());
                let part = self.call_mut(kind, &id)?;
                part["state"] = tool_parts::APPROVAL_REQUESTED.into();
                part["approval"] = json!({ "id": approval });
            }
            "tool-output-available" => {
                let part = self.call_mut(kind, &id)?;
                part["state"] = tool_parts::OUTPUT_AVAILABLE.into();
                part["output"] = chunk.get("output").cloned().unwrap_or(Value::Null);
            }
            "tool-output-error" => {
                let part = self.call_mut(kind, &id)?;
                part["state"] = tool_parts::OUTPUT_ERROR.into();
                part["errorText"] = chunk.get("errorText").cloned().unwrap_or_else(|| "the tool failed".into());
            }
            "tool-output-denied" => {
                let part = self.call_mut(kind, &id)?;
                part["state"] = tool_parts::OUTPUT_DENIED.into();
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies one chunk; `Err` for a chunk the hook's stream would refuse
    /// (a delta or end for a part that was not started).
    pub(crate) fn apply(&mut self, chunk: &Value) -> Result<(), String> {
        let kind = chunk.get("type").and_then(Value::as_str).unwrap_or_default();
        let part_id = || chunk.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        match kind {
            "start-step" => self.parts.push(json!({ "type": "step-start" })),
            "finish-step" => self.open.clear(),
            "text-start" | "reasoning-start" => {
                let part = if kind == "text-start" { "text" } else { "reasoning" };
                self.parts.push(json!({ "type": part, "text": "", "state": "streaming" }));
                self.open.push((part_id(), part, self.parts.len() - 1));
            }
            "text-delta" | "reasoning-delta" | "text-end" | "reasoning-end" => {
                let part = if kind.starts_with("text") { "text" } else { "reasoning" };
                let id = part_id();
                let Some(&(_, _, index)) = self.open.iter().find(|(i, k, _)| *i == id && *k == part) else {
                    return Err(format!("{kind} for the {part} part {id:?}, which was not started"));
                };
                let target = &mut self.parts[index];
                if kind.ends_with("delta") {
                    let delta = chunk.get("delta").and_then(Value::as_str).unwrap_or_default();
                    let text = target["text"].as_str().unwrap_or_default().to_owned() + delta;
                    target["text"] = text.into();
                } else {
                    target["state"] = "done".into();
                    self.open.retain(|(i, k, _)| !(*i == id && *k == part));
                }
            }
            "start" | "finish" | "message-metadata" => {
                if let Some(meta) = chunk.get("messageMetadata").and_then(Value::as_object) {
                    let merged = self.metadata.get_or_insert_with(|| Value::Object(Map::new()));
                    for (k, v) in meta {
                        merged[k] = v.clone();
                    }
                }
            }
            k if k.starts_with("tool-") => self.apply_tool(k, chunk)?,
            k if k.starts_with("data-") => {
                if chunk.get("transient").and_then(Value::as_bool) == Some(true) {
                    return Ok(());
                }
                let mut part = json!({ "type": k, "data": chunk.get("data").cloned().unwrap_or(Value::Null) });
                if let Some(id) = chunk.get("id") {
                    part["id"] = id.clone();
                    let same = |p: &Value| p["type"] == k && p.get("id") == Some(id);
                    if let Some(existing) = self.parts.iter_mut().find(|p| same(p)) {
                        *existing = part;
                        return Ok(());
                    }
                }
                self.parts.push(part);
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies a stream's stored chunks, skipping any it refuses or that
    /// is not JSON (what was stored of a stream an eviction cut).
    fn apply_stored(&mut self, chunks: &[(u64, String)]) {
        for (_, body) in chunks {
            if let Ok(chunk) = serde_json::from_str::<Value>(body) {
                let _ = self.apply(&chunk);
            }
        }
    }

    /// The open text parts' chunk ids (to end them).
    pub(crate) fn open_texts(&self) -> Vec<String> {
        self.open.iter().filter(|(_, k, _)| *k == "text").map(|(i, _, _)| i.clone()).collect()
    }

    /// Whether anything beyond step markers was streamed.
    pub(crate) fn has_content(&self) -> bool {
        self.parts.iter().any(|p| p["type"] != "step-start")
    }

    /// The message as stored: parts still open are stored as done (a
    /// cancelled or failed turn keeps exactly the text it streamed).
    pub(crate) fn message(&self) -> Value {
        let mut parts = self.parts.clone();
        for part in &mut parts {
            if part.get("state").and_then(Value::as_str) == Some("streaming") {
                part["state"] = "done".into();
            }
        }
        let mut message = json!({ "id": self.id, "role": "assistant", "parts": parts });
        if let Some(meta) = &self.metadata {
            message["metadata"] = meta.clone();
        }
        message
    }
}

/// The states of a tool call that has no outcome yet and that no person is
/// asked about: its input streaming, its input complete, or approved and
/// running. A stream cut in one of them fails the call.
const UNFINISHED_CALL_STATES: [&str; 3] =
    [tool_parts::INPUT_STREAMING, tool_parts::INPUT_AVAILABLE, tool_parts::APPROVAL_RESPONDED];

/// The assistant message of a stream an eviction cut: `base` (the stored
/// message a continuation extends) or a new message `id`, with the stored
/// chunks applied (a chunk the builder refuses is skipped), its open text
/// and reasoning parts closed, each tool call the stream left without an
/// outcome (input still streaming, input complete, or approved and
/// running) failed with [`INTERRUPTED_TOOL_CALL`] — so the model's view of
/// the conversation stays valid — and `metadata.outcome: "aborted"`. A call
/// that waits for a person's approval still waits. `None` when nothing but
/// step markers was streamed and there is no `base`.
pub(crate) fn interrupted_message(id: &str, base: Option<&Value>, chunks: &[(u64, String)]) -> Option<Value> {
    let mut builder = match base {
        Some(base) => MessageBuilder::extending(base),
        None => MessageBuilder::new(id),
    };
    builder.apply_stored(chunks);
    if base.is_none() && !builder.has_content() {
        return None;
    }
    let mut message = builder.message();
    for part in message["parts"].as_array_mut().into_iter().flatten() {
        if call_id(part).is_none() {
            continue;
        }
        let state = state_of(part);
        if UNFINISHED_CALL_STATES.contains(&state) {
            if state == tool_parts::INPUT_STREAMING {
                part["input"] = json!({});
            }
            part["state"] = tool_parts::OUTPUT_ERROR.into();
            part["errorText"] = INTERRUPTED_TOOL_CALL.into();
        }
    }
    if !message.get("metadata").is_some_and(Value::is_object) {
        message["metadata"] = json!({});
    }
    message["metadata"]["outcome"] = "aborted".into();
    Some(message)
}

/// The chunks that end what a stream an eviction cut left open, sent after
/// its replay so a client's message is whole: `text-end` / `reasoning-end`
/// for its open parts, then `tool-output-error` ([`INTERRUPTED_TOOL_CALL`])
/// for each call it started that has no outcome (as
/// [`interrupted_message`] stores them). Calls of the message it extended
/// are not named: the client may not have them.
pub(crate) fn closing_chunks(chunks: &[(u64, String)]) -> Vec<Value> {
    let mut builder = MessageBuilder::new("");
    builder.apply_stored(chunks);
    let mut out: Vec<Value> =
        builder.open.iter().map(|(id, kind, _)| json!({ "type": format!("{kind}-end"), "id": id })).collect();
    for part in &builder.parts {
        let Some(id) = call_id(part) else { continue };
        if UNFINISHED_CALL_STATES.contains(&state_of(part)) {
            out.push(json!({ "type": "tool-output-error", "toolCallId": id, "errorText": INTERRUPTED_TOOL_CALL }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_messages() {
        let good = json!([{ "id": "a", "role": "user", "parts": [], "metadata": { "x": 1 } }]);
        assert_eq!(check_messages(&good).unwrap(), good.as_array().unwrap().clone());
        let twice = json!([{ "id": "a", "role": "user", "parts": [] }, { "id": "a", "role": "user", "parts": [] }]);
        assert!(check_messages(&twice).unwrap_err().contains("twice"));
        assert!(check_messages(&json!([1])).unwrap_err().contains("must be an object"));
        assert!(check_messages(&json!([{ "id": "", "role": "user", "parts": [] }])).is_err());
        assert!(check_messages(&json!([{ "id": "a", "parts": [] }])).is_err());
        assert!(check_messages(&json!([{ "id": "a", "role": "user" }])).is_err());
    }

    #[test]
    fn gives_the_model_the_text_of_each_message() {
        let messages = [
            json!({ "id": "1", "role": "user", "parts": [{ "type": "text", "text": "hi" }, { "type": "file", "url": "x" }, { "type": "text", "text": "there" }] }),
            json!({ "id": "2", "role": "assistant", "parts": [{ "type": "step-start" }, { "type": "text", "text": "hello" }] }),
            json!({ "id": "3", "role": "assistant", "parts": [{ "type": "step-start" }] }),
        ];
        let out = model_messages(Some("be brief"), &messages);
        let seen: Vec<(Role, &str)> = out.iter().map(|m| (m.role, m.content.as_str())).collect();
        assert_eq!(seen, [(Role::System, "be brief"), (Role::User, "hi\nthere"), (Role::Assistant, "hello")]);
    }

    #[test]
    fn gives_the_model_each_step_with_its_tool_calls_and_results() {
        let messages = [
            json!({ "id": "1", "role": "user", "parts": [{ "type": "text", "text": "book it" }] }),
            json!({ "id": "2", "role": "assistant", "parts": [
                { "type": "step-start" },
                { "type": "text", "text": "Looking." },
                { "type": "tool-search", "toolCallId": "s1", "state": "output-available", "input": { "to": "Oslo" }, "output": ["F1"] },
                { "type": "dynamic-tool", "toolName": "where", "toolCallId": "w1", "state": "output-error", "input": {}, "errorText": "no GPS" },
                { "type": "step-start" },
                { "type": "tool-book", "toolCallId": "b1", "state": "output-denied", "input": { "id": "F1" }, "approval": { "id": "a", "approved": false } },
                { "type": "tool-where", "toolCallId": "w2", "state": "input-available", "input": {} },
                { "type": "tool-later", "toolCallId": "l1", "state": "input-streaming" },
                { "type": "step-start" },
                { "type": "text", "text": "Not booked." },
            ] }),
        ];
        let call = |id: &str, name: &str, arguments: &str| ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        };
        assert_eq!(
            model_messages(None, &messages),
            vec![
                ChatMessage::user("book it"),
                ChatMessage {
                    tool_calls: vec![call("s1", "search", r#"{"to":"Oslo"}"#), call("w1", "where", "{}")],
                    ..ChatMessage::assistant("Looking.")
                },
                ChatMessage::tool("s1", r#"["F1"]"#),
                ChatMessage::tool("w1", "Error: no GPS"),
                ChatMessage {
                    tool_calls: vec![call("b1", "book", r#"{"id":"F1"}"#), call("w2", "where", "{}")],
                    ..ChatMessage::assistant("")
                },
                ChatMessage::tool("b1", DENIED_TOOL_CALL),
                ChatMessage::tool("w2", UNANSWERED_TOOL_CALL),
                ChatMessage::assistant("Not booked."),
            ]
        );
    }

    #[test]
    fn builds_tool_parts_from_chunks() {
        let mut b = MessageBuilder::new("m");
        for chunk in [
            json!({ "type": "start-step" }),
            json!({ "type": "tool-input-start", "toolCallId": "c", "toolName": "search" }),
            json!({ "type": "tool-input-delta", "toolCallId": "c", "inputTextDelta": "{}" }),
            json!({ "type": "tool-input-available", "toolCallId": "c", "toolName": "search", "input": { "q": 1 } }),
            json!({ "type": "tool-output-available", "toolCallId": "c", "output": [1] }),
            json!({ "type": "tool-input-available", "toolCallId": "d", "toolName": "book", "input": {} }),
            json!({ "type": "tool-approval-request", "toolCallId": "d", "approvalId": "ap" }),
            json!({ "type": "tool-input-error", "toolCallId": "e", "toolName": "x", "input": "{oops", "errorText": "bad JSON" }),
        ] {
            b.apply(&chunk).unwrap();
        }
        assert_eq!(
            b.message()["parts"],
            json!([
                { "type": "step-start" },
                { "type": "tool-search", "toolCallId": "c", "state": "output-available", "input": { "q": 1 }, "output": [1] },
                { "type": "tool-book", "toolCallId": "d", "state": "approval-requested", "input": {}, "approval": { "id": "ap" } },
                { "type": "tool-x", "toolCallId": "e", "state": "output-error", "rawInput": "{oops", "errorText": "bad JSON" },
            ])
        );
        let unknown = b.apply(&json!({ "type": "tool-output-available", "toolCallId": "zz", "output": 1 }));
        assert!(unknown.unwrap_err().contains("not started"));
        let twice = b.apply(&json!({ "type": "tool-input-start", "toolCallId": "c", "toolName": "search" }));
        assert!(twice.unwrap_err().contains("started already"));

        let mut more = MessageBuilder::extending(&b.message());
        more.apply(&json!({ "type": "tool-output-denied", "toolCallId": "d" })).unwrap();
        assert_eq!(more.id(), "m");
        assert_eq!(more.message()["parts"][2]["state"], "output-denied");
    }

    #[test]
    fn rebuilds_a_stream_an_eviction_cut() {
        let chunks: Vec<(u64, String)> = [
            json!({ "type": "start", "messageId": "m" }),
            json!({ "type": "start-step" }),
            json!({ "type": "reasoning-start", "id": "r" }),
            json!({ "type": "reasoning-delta", "id": "r", "delta": "hmm" }),
            json!({ "type": "text-start", "id": "t" }),
            json!({ "type": "text-delta", "id": "t", "delta": "Looking" }),
            json!({ "type": "text-delta", "id": "zz", "delta": "refused" }),
            json!({ "type": "tool-input-start", "toolCallId": "a", "toolName": "search" }),
            json!({ "type": "tool-input-delta", "toolCallId": "a", "inputTextDelta": "{\"to" }),
            json!({ "type": "tool-input-available", "toolCallId": "b", "toolName": "lookup", "input": { "q": 1 } }),
            json!({ "type": "tool-input-available", "toolCallId": "c", "toolName": "book", "input": {} }),
            json!({ "type": "tool-approval-request", "toolCallId": "c", "approvalId": "ap" }),
        ]
        .iter()
        .enumerate()
        .map(|(i, c)| (i as u64, c.to_string()))
        .chain([(99, "not json".to_owned())])
        .collect();
        let message = interrupted_message("m", None, &chunks).unwrap();
        // What a replay of the cut stream ends with: its open parts ended, its calls without an outcome failed.
        let failed =
            |id: &str| json!({ "type": "tool-output-error", "toolCallId": id, "errorText": INTERRUPTED_TOOL_CALL });
        assert_eq!(
            closing_chunks(&chunks),
            [
                json!({ "type": "reasoning-end", "id": "r" }),
                json!({ "type": "text-end", "id": "t" }),
                failed("a"),
                failed("b"),
            ]
        );
        assert_eq!(closing_chunks(&chunks[..2]), Vec::<Value>::new());
        let error = |name: &str, id: &str, input: Value| json!({ "type": name, "toolCallId": id, "state": "output-error", "input": input, "errorText": INTERRUPTED_TOOL_CALL });
        assert_eq!(
            message,
            json!({ "id": "m", "role": "assistant", "metadata": { "outcome": "aborted" }, "parts": [
                { "type": "step-start" },
                { "type": "reasoning", "text": "hmm", "state": "done" },
                { "type": "text", "text": "Looking", "state": "done" },
                error("tool-search", "a", json!({})),
                error("tool-lookup", "b", json!({ "q": 1 })),
                { "type": "tool-book", "toolCallId": "c", "state": "approval-requested", "input": {}, "approval": { "id": "ap" } },
            ] })
        );
        // The model reads every call as answered.
        let model = model_messages(None, &[message]);
        assert_eq!(model[1], ChatMessage::tool("a", format!("Error: {INTERRUPTED_TOOL_CALL}")));

        assert_eq!(interrupted_message("m", None, &chunks[..2]), None);
        let base = json!({ "id": "m", "role": "assistant", "metadata": { "finishReason": "tool-calls" },
            "parts": [{ "type": "step-start" }, { "type": "tool-book", "toolCallId": "c", "state": "approval-responded",
                "input": {}, "approval": { "id": "ap", "approved": true } }] });
        let continued = [(0, json!({ "type": "start" }).to_string()), (1, json!({ "type": "start-step" }).to_string())];
        let message = interrupted_message("m", Some(&base), &continued).unwrap();
        assert_eq!(message["metadata"], json!({ "finishReason": "tool-calls", "outcome": "aborted" }));
        assert_eq!(message["parts"][1]["state"], "output-error");
        assert_eq!(message["parts"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn cuts_pieces_at_character_boundaries() {
        assert_eq!(pieces("", 4), [""]);
        assert_eq!(pieces("abcdefghi", 4), ["abcd", "efgh", "i"]);
        let text = "aé€😀b".repeat(5);
        let cut = pieces(&text, 5);
        assert!(cut.iter().all(|p| p.len() <= 5 && !p.is_empty()));
        assert_eq!(cut.concat(), text);
    }

    #[test]
    fn builds_the_assistant_message_from_chunks() {
        let mut b = MessageBuilder::new("m");
        for chunk in [
            json!({ "type": "start", "messageId": "m" }),
            json!({ "type": "start-step" }),
            json!({ "type": "text-start", "id": "t" }),
            json!({ "type": "text-delta", "id": "t", "delta": "Hel" }),
            json!({ "type": "text-delta", "id": "t", "delta": "lo" }),
            json!({ "type": "data-weather", "id": "w", "data": 1 }),
            json!({ "type": "data-weather", "id": "w", "data": 2 }),
            json!({ "type": "data-ping", "data": 0, "transient": true }),
        ] {
            b.apply(&chunk).unwrap();
        }
        assert_eq!(b.open_texts(), ["t"]);
        let partial = b.message();
        assert_eq!(partial["parts"][1], json!({ "type": "text", "text": "Hello", "state": "done" }));
        b.apply(&json!({ "type": "text-end", "id": "t" })).unwrap();
        b.apply(&json!({ "type": "finish-step" })).unwrap();
        b.apply(&json!({ "type": "finish", "messageMetadata": { "finishReason": "stop" } })).unwrap();
        let message = b.message();
        assert_eq!(
            message,
            json!({ "id": "m", "role": "assistant", "metadata": { "finishReason": "stop" }, "parts": [
                { "type": "step-start" },
                { "type": "text", "text": "Hello", "state": "done" },
                { "type": "data-weather", "id": "w", "data": 2 },
            ] })
        );
        assert!(b.has_content() && b.open_texts().is_empty());
        assert!(b
            .apply(&json!({ "type": "text-delta", "id": "t", "delta": "x" }))
            .unwrap_err()
            .contains("not started"));
    }
}
