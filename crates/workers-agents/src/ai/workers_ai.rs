//! The Workers AI text-generation format (the `[ai]` binding's `run`):
//! inputs, complete outputs, streamed chunks and AI Gateway options.
//! Pure: tested natively.

use serde::Serialize;
use serde_json::{json, Value};

use super::types::{
    apply_options, error_message, parse_chunk, AiError, ChatRequest, ChatResponse, StreamEvent, ToolCall,
};
use crate::sse::parse::SseEvent;

/// AI Gateway options, passed as `run`'s third argument.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gateway {
    /// The gateway's id.
    pub id: String,
    /// Bypass the gateway's cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_cache: Option<bool>,
    /// Cache lifetime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_ttl: Option<u32>,
}

/// `run`'s options argument, when a gateway is configured.
pub(crate) fn run_options(gateway: Option<&Gateway>) -> Option<Value> {
    gateway.map(|g| json!({ "gateway": g }))
}

/// `run`'s input for a chat request.
pub(crate) fn input(request: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = request.messages.iter().map(super::openai::message_json).collect();
    let mut input = json!({ "messages": messages, "stream": stream });
    apply_options(&mut input, request);
    input
}

/// The complete tool calls of an output or chunk (`{name, arguments}`, the
/// arguments an object or JSON text, or the OpenAI `function` form); a call
/// without an id gets `call_{n}`, `n` counting from `first`.
fn tool_calls(value: &Value, first: usize) -> Vec<ToolCall> {
    let calls = value.get("tool_calls").and_then(Value::as_array).into_iter().flatten();
    calls
        .enumerate()
        .map(|(i, call)| (i + first, call))
        .filter_map(|(i, call)| {
            let name = call.get("name").or_else(|| call.pointer("/function/name"))?.as_str()?.to_owned();
            let arguments =
                call.get("arguments").or_else(|| call.pointer("/function/arguments")).cloned().unwrap_or(json!({}));
            let arguments = match arguments {
                Value::String(text) => text,
                other => other.to_string(),
            };
            let id = call.get("id").and_then(Value::as_str).map_or_else(|| format!("call_{i}"), str::to_owned);
            Some(ToolCall { id, name, arguments })
        })
        .collect()
}

/// Reads a complete output (`{"response": ..., "tool_calls": [...]}`).
pub(crate) fn parse_output(output: &Value) -> Result<ChatResponse, AiError> {
    if output.get("errors").is_some() || output.get("error").is_some() {
        return Err(AiError::Provider { status: 0, message: error_message(&output.to_string()) });
    }
    let calls = tool_calls(output, 0);
    let text = match output.get("response") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None if !calls.is_empty() => String::new(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => return Err(AiError::Malformed(format!("no response in output {output}"))),
    };
    let finish_reason = Some(if calls.is_empty() { "stop" } else { "tool_calls" }.to_owned());
    Ok(ChatResponse { text, tool_calls: calls, finish_reason })
}

/// Decodes the binding's streamed chunks (`data: {"response":"..."}` …
/// `data: [DONE]`). Tool calls come whole in a chunk's `tool_calls`; models
/// that stream the OpenAI form (`choices[].delta`) are read as such.
#[derive(Default)]
pub(crate) struct StreamDecoder {
    done: bool,
    calls: usize,
    openai: super::openai::StreamDecoder,
    finish_reason: Option<String>,
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    #[cfg(test)]
    /// Whether `[DONE]` was seen.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Decodes one SSE event.
    pub(crate) fn decode(&mut self, event: &SseEvent) -> Result<Vec<StreamEvent>, AiError> {
        let Some(chunk) = parse_chunk(event)? else {
            self.done = true;
            let mut out = self.openai.flush_calls();
            self.calls += out.len();
            let reason = self
                .finish_reason
                .take()
                .unwrap_or_else(|| if self.calls > 0 { "tool_calls" } else { "stop" }.to_owned());
            out.push(StreamEvent::Done(Some(reason)));
            return Ok(out);
        };
        if chunk.get("choices").is_some() {
            let out = self.openai.decode_chunk(&chunk);
            if let Some(reason) = chunk.pointer("/choices/0/finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_owned());
            }
            self.calls += out.iter().filter(|e| matches!(e, StreamEvent::ToolCall(_))).count();
            return Ok(out);
        }
        let mut out = Vec::new();
        if let Some(text) = chunk.get("response").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            out.push(StreamEvent::Text(text.to_owned()));
        }
        let calls = tool_calls(&chunk, self.calls);
        self.calls += calls.len();
        out.extend(calls.into_iter().map(StreamEvent::ToolCall));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::ChatMessage;
    use super::*;
    use crate::sse::parse::SseParser;

    #[test]
    fn builds_inputs_and_gateway_options() {
        let mut request = ChatRequest::new(vec![ChatMessage::user("hi")]);
        request.max_tokens = Some(10);
        assert_eq!(
            input(&request, true),
            json!({"messages": [{"role": "user", "content": "hi"}], "stream": true, "max_tokens": 10})
        );
        let gateway = Gateway { id: "gw".into(), skip_cache: Some(true), cache_ttl: Some(60) };
        assert_eq!(
            run_options(Some(&gateway)),
            Some(json!({"gateway": {"id": "gw", "skipCache": true, "cacheTtl": 60}}))
        );
        assert_eq!(run_options(None), None);
    }

    #[test]
    fn reads_outputs_and_streams() {
        let output = json!({"response": null, "tool_calls": [{"name": "add", "arguments": {"a": 1}}]});
        let parsed = parse_output(&output).unwrap();
        assert_eq!(
            parsed.tool_calls,
            vec![ToolCall { id: "call_0".into(), name: "add".into(), arguments: "{\"a\":1}".into() }]
        );
        assert_eq!(parse_output(&json!({"response": "ok"})).unwrap().text, "ok");
        assert!(parse_output(&json!({"errors": [{"message": "bad model"}]})).is_err());

        let mut parser = SseParser::new();
        let mut decoder = StreamDecoder::new();
        let events =
            parser.push(b"data: {\"response\":\"a\",\"p\":\"x\"}\n\ndata: {\"response\":\"b\"}\n\ndata: [DONE]\n\n");
        let out: Vec<StreamEvent> = events.iter().flat_map(|e| decoder.decode(e).unwrap()).collect();
        assert_eq!(
            out,
            vec![StreamEvent::Text("a".into()), StreamEvent::Text("b".into()), StreamEvent::Done(Some("stop".into()))]
        );
        assert!(decoder.is_done());
    }

    #[test]
    fn streams_tool_calls_with_distinct_ids_and_sends_them_back() {
        let mut parser = SseParser::new();
        let mut decoder = StreamDecoder::new();
        let events = parser.push(
            concat!(
                "data: {\"response\":\"\",\"tool_calls\":[{\"name\":\"a\",\"arguments\":{\"x\":1}}]}\n\n",
                "data: {\"response\":\"\",\"tool_calls\":[{\"name\":\"b\",\"arguments\":\"{}\"}]}\n\n",
                "data: [DONE]\n\n"
            )
            .as_bytes(),
        );
        let out: Vec<StreamEvent> = events.iter().flat_map(|e| decoder.decode(e).unwrap()).collect();
        assert_eq!(
            out,
            vec![
                StreamEvent::ToolCall(ToolCall {
                    id: "call_0".into(),
                    name: "a".into(),
                    arguments: "{\"x\":1}".into()
                }),
                StreamEvent::ToolCall(ToolCall { id: "call_1".into(), name: "b".into(), arguments: "{}".into() }),
                StreamEvent::Done(Some("tool_calls".into())),
            ]
        );

        let call = ToolCall { id: "call_0".into(), name: "a".into(), arguments: "{}".into() };
        let request = ChatRequest::new(vec![
            ChatMessage { tool_calls: vec![call], ..ChatMessage::assistant("") },
            ChatMessage::tool("call_0", "\"ok\""),
        ]);
        assert_eq!(
            input(&request, true)["messages"],
            json!([
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_0", "type": "function", "function": {"name": "a", "arguments": "{}"}}]},
                {"role": "tool", "content": "\"ok\"", "tool_call_id": "call_0"},
            ])
        );
    }

    #[test]
    fn reads_openai_style_chunks_from_the_binding() {
        let mut parser = SseParser::new();
        let mut decoder = StreamDecoder::new();
        let events = parser.push(concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: [DONE]\n\n"
        ).as_bytes());
        let out: Vec<StreamEvent> = events.iter().flat_map(|e| decoder.decode(e).unwrap()).collect();
        assert_eq!(
            out,
            vec![
                StreamEvent::Text("hi".into()),
                StreamEvent::ToolCallDelta { call: 0, id: "t".into(), name: "f".into(), arguments: "{}".into() },
                StreamEvent::ToolCall(ToolCall { id: "t".into(), name: "f".into(), arguments: "{}".into() }),
                StreamEvent::Done(Some("tool_calls".into())),
            ]
        );
    }
}
