//! What [`Agent::on_chat_message`](crate::Agent::on_chat_message) gets: the
//! turn's request and transcript, and the ways to answer (the model's
//! stream, plain text, or chunks of its own).

use std::rc::Rc;

use serde_json::{json, Map, Value};

use super::live::LiveStream;
use super::messages::model_messages;
use super::wire::Trigger;
use crate::ai::{ChatModel, ChatRequest, StreamEvent};
use crate::{Agent, Context, Error, Result};

/// How a chat agent is set up ([`Agent::chat`](crate::Agent::chat)).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chat {
    /// Instructions put before the conversation in the model's context.
    pub system: Option<String>,
    /// Most messages kept in storage (the oldest are deleted after each
    /// turn); `None` keeps them all. This is storage only: the model sees
    /// what is stored.
    pub max_messages: Option<usize>,
}

impl Chat {
    /// A chat agent with no system prompt, keeping every message.
    pub fn new() -> Self {
        Chat::default()
    }

    /// Sets the system prompt.
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// Keeps at most `max` messages in storage.
    pub fn max_messages(mut self, max: usize) -> Self {
        self.max_messages = Some(max);
        self
    }
}

/// One turn of a chat: a user message to answer, or an answer to
/// regenerate. The framework has already stored the client's messages,
/// streamed `start` (with the new assistant message's id) and `start-step`;
/// after the hook it ends open text parts, streams `finish-step` and
/// `finish`, stores the assistant message and only then sends the
/// terminal frame.
pub struct ChatTurn {
    pub(crate) request_id: String,
    pub(crate) message_id: String,
    pub(crate) trigger: Trigger,
    pub(crate) messages: Vec<Value>,
    pub(crate) body: Map<String, Value>,
    pub(crate) system: Option<String>,
    pub(crate) live: Rc<LiveStream>,
    pub(crate) texts: std::cell::Cell<u32>,
}

impl ChatTurn {
    /// The client's request id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The id the assistant message is stored under (`start.messageId`).
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// Whether a new message is answered or the last answer regenerated.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    /// The stored transcript (`UIMessage` objects), oldest first, the
    /// message being answered last.
    pub fn messages(&self) -> &[Value] {
        &self.messages
    }

    /// The custom fields of the request's body (the hook's `body` option).
    pub fn body(&self) -> &Map<String, Value> {
        &self.body
    }

    /// Whether the client stopped the turn (streaming does nothing then).
    pub fn is_cancelled(&self) -> bool {
        self.live.is_cancelled()
    }

    /// The model's request: the system prompt, then the text of every
    /// stored message under its role.
    pub fn model_request(&self) -> ChatRequest {
        ChatRequest::new(model_messages(self.system.as_deref(), &self.messages))
    }

    /// Streams one UI message chunk (`{"type":"text-delta",...}`, `data-*`,
    /// ...) as it is. `Err` for a chunk out of order (a delta of a text
    /// part that was not started).
    pub fn chunk(&self, chunk: Value) -> Result<()> {
        self.live.emit(&chunk).map_err(|e| Error::msg(format!("chat chunk refused: {e}")))
    }

    fn next_text_id(&self) -> String {
        let n = self.texts.get();
        self.texts.set(n + 1);
        format!("{}-text-{n}", self.message_id)
    }

    /// Streams `text` as one text part.
    pub fn text(&self, text: &str) -> Result<()> {
        let id = self.next_text_id();
        self.chunk(json!({ "type": "text-start", "id": id }))?;
        self.chunk(json!({ "type": "text-delta", "id": id, "delta": text }))?;
        self.chunk(json!({ "type": "text-end", "id": id }))
    }

    /// Streams an `error` chunk (the hook shows it as the chat's error); the
    /// turn ends with `outcome: "error"`, what was streamed kept.
    pub fn error(&self, text: &str) -> Result<()> {
        self.chunk(json!({ "type": "error", "errorText": text }))
    }

    /// Streams `model`'s answer to `request` as one text part, piece by
    /// piece. A model error (configuration, provider, a cut stream) is
    /// streamed as an `error` chunk after the text so far; `Err` only for
    /// what the framework failed at.
    pub async fn stream_model<A: Agent>(
        &self,
        ctx: &Context<A>,
        model: &ChatModel,
        request: &ChatRequest,
    ) -> Result<()> {
        let mut open: Option<String> = None;
        let failure = match model.stream(ctx.env(), request).await {
            Err(e) => Some(e),
            Ok(mut stream) => loop {
                match stream.next().await {
                    None => break None,
                    Some(Ok(StreamEvent::Text(piece))) if !piece.is_empty() => {
                        let id = match &open {
                            Some(id) => id.clone(),
                            None => {
                                let id = self.next_text_id();
                                self.chunk(json!({ "type": "text-start", "id": id }))?;
                                open = Some(id.clone());
                                id
                            }
                        };
                        self.chunk(json!({ "type": "text-delta", "id": id, "delta": piece }))?;
                    }
                    Some(Ok(StreamEvent::Done(reason))) => *self.live.finish_reason.borrow_mut() = reason,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break Some(e),
                }
            },
        };
        if let Some(id) = open {
            self.chunk(json!({ "type": "text-end", "id": id }))?;
        }
        if let Some(e) = failure {
            self.error(&e.to_string())?;
        }
        Ok(())
    }

    /// The default answer: the configured model
    /// ([`ChatModel::from_env`]) streamed with the whole conversation; with
    /// no model configured, the configuration error as the turn's error.
    pub async fn reply_with_configured_model<A: Agent>(&self, ctx: &Context<A>) -> Result<()> {
        match ChatModel::from_env(ctx.env()) {
            Ok(model) => self.stream_model(ctx, &model, &self.model_request()).await,
            Err(e) => self.error(&e.to_string()),
        }
    }
}

impl std::fmt::Debug for ChatTurn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTurn")
            .field("request_id", &self.request_id)
            .field("message_id", &self.message_id)
            .field("trigger", &self.trigger)
            .finish_non_exhaustive()
    }
}
