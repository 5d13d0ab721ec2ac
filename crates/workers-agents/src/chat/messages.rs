//! `UIMessage`s (the AI SDK's message shape the hook keeps): the checks a
//! client's messages pass before they are stored, the model's view of them,
//! and an assistant message built from the chunks a turn streams. Pure:
//! tested natively.

use serde_json::{json, Map, Value};

use crate::ai::{ChatMessage, Role};

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

/// The conversation as the model reads it: `system` first when given, then
/// each message's text under its role (messages without text left out).
pub fn model_messages(system: Option<&str>, messages: &[Value]) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = system.map(ChatMessage::system).into_iter().collect();
    for message in messages {
        let role = match role_of(message) {
            "system" => Role::System,
            "assistant" => Role::Assistant,
            _ => Role::User,
        };
        let text = text_of(message);
        if !text.is_empty() {
            out.push(ChatMessage::new(role, text));
        }
    }
    out
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
