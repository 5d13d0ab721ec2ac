//! Streams a model's reply into a conversation: each piece is stored as it
//! arrives and handed to the caller (to forward to a WebSocket or SSE
//! client); failures leave a stored, incomplete reply.

use super::provider::ChatModel;
use super::store::StoredMessage;
use super::types::{AiError, ChatRequest, StreamEvent, ToolCall};
use crate::{Agent, Context, Result};

/// A finished reply (complete or not).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The stored reply; its `status` is complete or incomplete.
    pub message: StoredMessage,
    /// Tools the model called.
    pub tool_calls: Vec<ToolCall>,
    /// Why the reply is incomplete.
    pub error: Option<AiError>,
}

/// Asks `model` for a streamed answer to `request` and stores it as a new
/// assistant message of `conversation`. `on_start` gets the new message (its
/// id lets clients resume), `on_delta` every piece of text. Provider errors
/// and timeouts end the reply as incomplete (see [`Reply::error`]); `Err` is
/// only a storage failure.
pub async fn stream_reply<A: Agent>(
    ctx: &Context<A>,
    model: &ChatModel,
    conversation: &str,
    request: &ChatRequest,
    on_start: impl FnOnce(&StoredMessage),
    mut on_delta: impl FnMut(&str),
) -> Result<Reply> {
    let store = ctx.conversations();
    let started = store.start_reply(conversation)?;
    on_start(&started);
    let mut tool_calls = Vec::new();
    let mut error = None;
    match model.stream(ctx.env(), request).await {
        Err(e) => error = Some(e),
        Ok(mut stream) => {
            while let Some(event) = stream.next().await {
                match event {
                    Ok(StreamEvent::Text(text)) => {
                        store.append_text(&started.id, &text)?;
                        on_delta(&text);
                    }
                    Ok(StreamEvent::ToolCall(call)) => tool_calls.push(call),
                    Ok(StreamEvent::Done(_) | StreamEvent::ToolCallDelta { .. }) => {}
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
        }
    }
    let reason = error.as_ref().map(ToString::to_string);
    let message = store.finish(&started.id, reason.as_deref())?.unwrap_or(started);
    Ok(Reply { message, tool_calls, error })
}
