//! The OpenAI chat-completions wire format (also spoken by Gemini's
//! OpenAI endpoint, Workers AI's `/v1`, Groq, Ollama, ...): request bodies,
//! responses, and the streamed chunks. Pure: tested natively.

use serde_json::{json, Value};

use super::types::{
    apply_options, error_message, parse_chunk, AiError, ChatMessage, ChatRequest, ChatResponse, StreamEvent, ToolCall,
};
use crate::sse::parse::SseEvent;

/// The JSON body of `POST {base}/chat/completions`.
pub(crate) fn request_body(model: &str, request: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = request.messages.iter().map(message_json).collect();
    let mut body = json!({ "model": model, "messages": messages, "stream": stream });
    apply_options(&mut body, request);
    body
}

/// One message in the chat-completions form: an assistant's `tool_calls`
/// (`{id, type: "function", function: {name, arguments}}`, its `content`
/// `null` when it said nothing), a tool message's `tool_call_id`. Workers
/// AI's binding reads the same shape.
pub(crate) fn message_json(m: &ChatMessage) -> Value {
    let mut message = json!({ "role": m.role, "content": m.content });
    if !m.tool_calls.is_empty() {
        if m.content.is_empty() {
            message["content"] = Value::Null;
        }
        message["tool_calls"] = m
            .tool_calls
            .iter()
            .map(
                |c| json!({ "id": c.id, "type": "function", "function": { "name": c.name, "arguments": c.arguments } }),
            )
            .collect();
    }
    if let Some(id) = &m.tool_call_id {
        message["tool_call_id"] = json!(id);
    }
    message
}

fn tool_call(value: &Value) -> Option<ToolCall> {
    Some(ToolCall {
        id: value.get("id")?.as_str()?.to_owned(),
        name: value.pointer("/function/name")?.as_str()?.to_owned(),
        arguments: value.pointer("/function/arguments").and_then(Value::as_str).unwrap_or("{}").to_owned(),
    })
}

/// Reads a non-streamed response body.
pub(crate) fn parse_response(body: &Value) -> Result<ChatResponse, AiError> {
    if body.get("error").is_some() {
        return Err(AiError::Provider { status: 0, message: error_message(&body.to_string()) });
    }
    let choice = body.pointer("/choices/0").ok_or_else(|| AiError::Malformed("no choices in response".into()))?;
    let message = choice.get("message").ok_or_else(|| AiError::Malformed("choice without message".into()))?;
    Ok(ChatResponse {
        text: message.get("content").and_then(Value::as_str).unwrap_or_default().to_owned(),
        tool_calls: message
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(tool_call)
            .collect(),
        finish_reason: choice.get("finish_reason").and_then(Value::as_str).map(str::to_owned),
    })
}

/// A tool call being assembled from its fragments.
#[derive(Default)]
struct PartialCall {
    index: u64,
    id: String,
    name: String,
    arguments: String,
}

/// Turns the SSE events of a streamed completion into [`StreamEvent`]s,
/// assembling tool calls from their fragments: a call's fragments share an
/// `index` (the first carries its `id` and name, the arguments come in
/// pieces); a fragment with another `id` at an index already used starts a
/// new call (some providers number every call 0). Calls are reported, in the
/// order they began, when a choice finishes or the stream ends.
#[derive(Default)]
pub(crate) struct StreamDecoder {
    calls: Vec<PartialCall>,
    finish_reason: Option<String>,
    done: bool,
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Decodes one SSE event.
    pub(crate) fn decode(&mut self, event: &SseEvent) -> Result<Vec<StreamEvent>, AiError> {
        let Some(chunk) = parse_chunk(event)? else {
            self.done = true;
            let mut out = self.flush_calls();
            out.push(StreamEvent::Done(self.finish_reason.take()));
            return Ok(out);
        };
        Ok(self.decode_chunk(&chunk))
    }

    /// Decodes one chunk's `choices` (a usage-only chunk has none).
    pub(crate) fn decode_chunk(&mut self, chunk: &Value) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        for choice in chunk.get("choices").and_then(Value::as_array).into_iter().flatten() {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            if let Some(text) = delta.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                out.push(StreamEvent::Text(text.to_owned()));
            }
            for fragment in delta.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
                out.push(self.add_fragment(fragment));
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_owned());
                out.extend(self.flush_calls());
            }
        }
        out
    }

    fn add_fragment(&mut self, fragment: &Value) -> StreamEvent {
        let index = fragment.get("index").and_then(Value::as_u64).unwrap_or(0);
        let id = fragment.get("id").and_then(Value::as_str).unwrap_or_default();
        let current = self.calls.iter().rposition(|c| c.index == index);
        let position = match current {
            Some(i) if id.is_empty() || self.calls[i].id.is_empty() || self.calls[i].id == id => i,
            _ => {
                self.calls.push(PartialCall { index, ..PartialCall::default() });
                self.calls.len() - 1
            }
        };
        let call = &mut self.calls[position];
        if call.id.is_empty() {
            call.id = id.to_owned();
        }
        if let Some(name) = fragment.pointer("/function/name").and_then(Value::as_str) {
            if call.name != name {
                call.name.push_str(name);
            }
        }
        let arguments = fragment.pointer("/function/arguments").and_then(Value::as_str).unwrap_or_default();
        call.arguments.push_str(arguments);
        StreamEvent::ToolCallDelta {
            call: position,
            id: call.id.clone(),
            name: call.name.clone(),
            arguments: arguments.to_owned(),
        }
    }

    pub(crate) fn flush_calls(&mut self) -> Vec<StreamEvent> {
        std::mem::take(&mut self.calls)
            .into_iter()
            .map(|c| StreamEvent::ToolCall(ToolCall { id: c.id, name: c.name, arguments: c.arguments }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::{ChatMessage, ToolDefinition};
    use super::*;
    use crate::sse::parse::SseParser;

    fn decode_all(stream: &str) -> Result<Vec<StreamEvent>, AiError> {
        let mut parser = SseParser::new();
        let mut decoder = StreamDecoder::new();
        let mut events = parser.push(stream.as_bytes());
        events.extend(parser.finish());
        let mut out = Vec::new();
        for event in &events {
            out.extend(decoder.decode(event)?);
        }
        Ok(out)
    }

    #[test]
    fn builds_request_bodies() {
        let mut request = ChatRequest::new(vec![ChatMessage::system("be brief"), ChatMessage::tool("c1", "42")]);
        request.temperature = Some(0.2);
        request.max_tokens = Some(64);
        request.tools = vec![ToolDefinition {
            name: "add".into(),
            description: "adds".into(),
            parameters: json!({"type": "object"}),
        }];
        let body = request_body("gpt-x", &request, true);
        assert_eq!(body["model"], "gpt-x");
        assert_eq!(body["stream"], true);
        assert_eq!(body["temperature"], 0.2);
        assert_eq!(body["max_tokens"], 64);
        assert_eq!(body["messages"][1], json!({"role": "tool", "content": "42", "tool_call_id": "c1"}));
        assert_eq!(body["tools"][0]["function"]["name"], "add");
    }

    #[test]
    fn reads_text_and_tool_call_streams() {
        let stream = concat!(
            "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            ": keep-alive\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"add\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: [DONE]\n\n"
        );
        assert_eq!(
            decode_all(stream).unwrap(),
            vec![
                StreamEvent::Text("Hel".into()),
                StreamEvent::Text("lo".into()),
                StreamEvent::ToolCallDelta { call: 0, id: "c1".into(), name: "add".into(), arguments: "{\"a\"".into() },
                StreamEvent::ToolCallDelta { call: 0, id: "c1".into(), name: "add".into(), arguments: ":1}".into() },
                StreamEvent::ToolCall(ToolCall { id: "c1".into(), name: "add".into(), arguments: "{\"a\":1}".into() }),
                StreamEvent::Done(Some("tool_calls".into())),
            ]
        );
    }

    #[test]
    fn assembles_parallel_tool_calls_from_split_fragments() {
        let chunk = |delta: Value, finish: Option<&str>| {
            format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}))
        };
        let stream = [
            chunk(json!({"role": "assistant", "content": null}), None),
            chunk(
                json!({"content": null, "tool_calls": [{"index": 0, "id": "a", "type": "function", "function": {"name": "search", "arguments": ""}}]}),
                None,
            ),
            chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"q\":"}}]}), None),
            chunk(
                json!({"tool_calls": [{"index": 1, "id": "b", "type": "function", "function": {"name": "weather", "arguments": "{\"city\""}}]}),
                None,
            ),
            chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"rust\"}"}}]}), None),
            chunk(json!({"tool_calls": [{"index": 1, "function": {"arguments": ":\"Oslo\"}"}}]}), None),
            chunk(json!({}), Some("tool_calls")),
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}\n\n".to_owned(),
            "data: [DONE]\n\n".to_owned(),
        ]
        .concat();
        // Each fragment as it comes (parallel calls interleaved), then the calls whole.
        assert_eq!(
            decode_all(&stream).unwrap(),
            vec![
                StreamEvent::ToolCallDelta { call: 0, id: "a".into(), name: "search".into(), arguments: "".into() },
                StreamEvent::ToolCallDelta {
                    call: 0,
                    id: "a".into(),
                    name: "search".into(),
                    arguments: "{\"q\":".into()
                },
                StreamEvent::ToolCallDelta {
                    call: 1,
                    id: "b".into(),
                    name: "weather".into(),
                    arguments: "{\"city\"".into()
                },
                StreamEvent::ToolCallDelta {
                    call: 0,
                    id: "a".into(),
                    name: "search".into(),
                    arguments: "\"rust\"}".into()
                },
                StreamEvent::ToolCallDelta {
                    call: 1,
                    id: "b".into(),
                    name: "weather".into(),
                    arguments: ":\"Oslo\"}".into()
                },
                StreamEvent::ToolCall(ToolCall {
                    id: "a".into(),
                    name: "search".into(),
                    arguments: "{\"q\":\"rust\"}".into()
                }),
                StreamEvent::ToolCall(ToolCall {
                    id: "b".into(),
                    name: "weather".into(),
                    arguments: "{\"city\":\"Oslo\"}".into()
                }),
                StreamEvent::Done(Some("tool_calls".into())),
            ]
        );
    }

    #[test]
    fn tells_calls_apart_that_share_an_index() {
        let stream = concat!(
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"y\",\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"n\\\":1}\"}}]}}]}\n\n",
            "data: [DONE]\n\n"
        );
        let calls: Vec<(String, String, String)> = decode_all(stream)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e {
                StreamEvent::ToolCall(c) => Some((c.id, c.name, c.arguments)),
                _ => None,
            })
            .collect();
        assert_eq!(calls, [("x".into(), "f".into(), "{}".into()), ("y".into(), "g".into(), "{\"n\":1}".into())]);
    }

    #[test]
    fn writes_tool_calls_and_tool_results_in_the_conversation() {
        let call = ToolCall { id: "c1".into(), name: "search".into(), arguments: "{\"q\":\"x\"}".into() };
        let assistant = ChatMessage { tool_calls: vec![call], ..ChatMessage::assistant("") };
        let body = request_body("m", &ChatRequest::new(vec![assistant, ChatMessage::tool("c1", "[1,2]")]), false);
        assert_eq!(
            body["messages"],
            json!([
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{\"q\":\"x\"}"}}
                ]},
                {"role": "tool", "content": "[1,2]", "tool_call_id": "c1"},
            ])
        );
    }

    #[test]
    fn reports_errors_and_malformed_chunks() {
        let error = decode_all("data: {\"error\":{\"message\":\"overloaded\"}}\n\n").unwrap_err();
        assert_eq!(error, AiError::Provider { status: 0, message: "overloaded".into() });
        assert!(matches!(decode_all("data: {not json\n\n"), Err(AiError::Malformed(_))));
    }

    #[test]
    fn reads_complete_responses() {
        let body = json!({"choices": [{"message": {"content": "hi", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, "finish_reason": "stop"}]});
        let response = parse_response(&body).unwrap();
        assert_eq!(response.text, "hi");
        assert_eq!(response.tool_calls[0].name, "f");
        assert_eq!(response.finish_reason.as_deref(), Some("stop"));
        assert!(parse_response(&json!({"error": {"message": "bad key"}})).is_err());
    }
}
