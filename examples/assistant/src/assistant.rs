//! An assistant: a prompt over WebSocket (streaming RPC) or HTTP (SSE), the
//! answer streamed from the configured model and stored as it arrives, the
//! history kept as the model's context, and catch-up for clients that
//! reconnect mid-answer (`resume` / `GET .../messages/{id}?offset=`).
//!
//! The model comes from the worker's configuration (`ChatModel::from_env`):
//! Workers AI through the `AI` binding, or any OpenAI-compatible provider.

use std::rc::Rc;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use worker::{Env, Method, Request, Response};
use workers_agents::ai::{
    stream_reply, ChatMessage, ChatModel, ChatRequest, MessageStatus, ReplyEvent, Role, StoredMessage,
};
use workers_agents::prelude::*;
use workers_agents::{sse_response, SseSender};

const SYSTEM: &str = "You are a concise, friendly assistant.";
const DEFAULT_CONVERSATION: &str = "main";
/// Longest prompt accepted, in bytes.
const MAX_PROMPT_BYTES: usize = 32 * 1024;
/// Longest conversation name and message id, in bytes (ids are UUIDs).
const MAX_NAME_BYTES: usize = 64;
/// Largest frame a client may send, and largest `POST .../chat` body: a
/// prompt at its longest, even with every character escaped in the JSON
/// (6 bytes each), fits.
const MAX_FRAME_BYTES: usize = 256 * 1024;

/// A conversation name or message id must be 1 to [`MAX_NAME_BYTES`] bytes.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("A {what} must be at least 1 byte"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!("A {what} must be at most {MAX_NAME_BYTES} bytes (got {})", name.len()));
    }
    Ok(())
}

fn check_prompt(prompt: &str) -> Result<(), String> {
    if prompt.trim().is_empty() || prompt.len() > MAX_PROMPT_BYTES {
        return Err(format!("A prompt must be 1 to {MAX_PROMPT_BYTES} bytes"));
    }
    Ok(())
}

/// The assistant agent: `ask`, `resume`, `history`, `complete`, and the same over HTTP.
#[derive(Debug)]
pub struct Assistant;

/// What a client sees of a reply.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Chunk<'a> {
    Start { id: &'a str },
    Delta { id: &'a str, text: &'a str },
}

/// The text after the first `offset` UTF-16 units (what a JS client counts with `.length`).
fn after_utf16(text: &str, offset: usize) -> &str {
    let mut units = 0;
    for (index, c) in text.char_indices() {
        if units >= offset {
            return &text[index..];
        }
        units += c.len_utf16();
    }
    ""
}

fn outcome(message: StoredMessage) -> Result<StoredMessage> {
    match (message.status, &message.error) {
        (MessageStatus::Incomplete, Some(error)) => Err(Error::msg(error)),
        _ => Ok(message),
    }
}

impl Assistant {
    /// Stores the prompt, then streams the model's answer to `on_start`/`on_delta`.
    async fn answer(
        &self,
        ctx: &Context<Assistant>,
        conversation: &str,
        prompt: &str,
        on_start: impl FnOnce(&StoredMessage),
        on_delta: impl FnMut(&str),
    ) -> Result<StoredMessage> {
        check_name("conversation name", conversation)?;
        check_prompt(prompt)?;
        let model = ChatModel::from_env(ctx.env())?;
        let store = ctx.conversations();
        store.append(conversation, Role::User, prompt)?;
        let mut messages = vec![ChatMessage::system(SYSTEM)];
        messages.extend(store.context(conversation)?);
        let request = ChatRequest { max_tokens: Some(512), ..ChatRequest::new(messages) };
        let reply = stream_reply(ctx, &model, conversation, &request, on_start, on_delta).await?;
        outcome(reply.message)
    }
}

/// Streams an answer as SSE: `start`, `delta`…, then `done` or `error`.
fn chat_over_sse(ctx: &Context<Assistant>, conversation: String, prompt: String) -> Result<Response> {
    let (sender, response) = sse_response(Duration::from_secs(15))?;
    ctx.spawn(move |ctx: Rc<Context<Assistant>>| async move {
        let (start, delta) = (sender.clone(), sender.clone());
        let id = std::cell::RefCell::new(String::new());
        let answered = ctx
            .agent()
            .answer(
                &ctx,
                &conversation,
                &prompt,
                |m| {
                    id.borrow_mut().clone_from(&m.id);
                    start.send_json(Some("start"), &json!({ "id": m.id }));
                },
                |text| {
                    delta.send_json(Some("delta"), &json!({ "id": *id.borrow(), "text": text }));
                },
            )
            .await;
        finish(&ctx, &sender, answered);
    });
    Ok(response)
}

/// Ends an SSE answer: `done` with the stored reply, or `error` with what a
/// caller is told (internal errors are logged, and referenced).
fn finish(ctx: &Context<Assistant>, sender: &SseSender, answered: Result<StoredMessage>) {
    match answered {
        Ok(message) => sender.send_json(Some("done"), &message),
        Err(error) => sender.send_json(Some("error"), &json!({ "error": ctx.caller_message("chat", &error) })),
    };
    sender.close();
}

/// Catch-up over SSE: the text after `offset`, then the rest live.
fn follow_over_sse(ctx: &Context<Assistant>, id: String, offset: usize) -> Result<Response> {
    let Some((message, feed)) = ctx.conversations().follow(&id)? else {
        return Ok(Response::error(format!("No message {id}"), 404)?);
    };
    let (sender, response) = sse_response(Duration::from_secs(15))?;
    let missed = after_utf16(&message.content, offset);
    if !missed.is_empty() {
        sender.send_json(Some("delta"), &json!({ "id": id, "text": missed }));
    }
    match feed {
        None => finish(ctx, &sender, outcome(message)),
        Some(feed) => ctx.spawn(move |ctx: Rc<Context<Assistant>>| async move {
            loop {
                match feed.next().await {
                    ReplyEvent::Delta(text) => {
                        sender.send_json(Some("delta"), &json!({ "id": id, "text": text }));
                    }
                    ReplyEvent::End(message) => return finish(&ctx, &sender, outcome(message)),
                }
            }
        }),
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
struct ChatBody {
    prompt: String,
    conversation: Option<String>,
}

/// The body of `POST .../chat`, or the answer that refuses it: 413 over
/// [`MAX_FRAME_BYTES`] (by its `Content-Length`, before reading, or by what
/// was read), 400 when it is not a [`ChatBody`].
async fn read_body(req: &mut Request) -> worker::Result<Result<ChatBody, Response>> {
    let too_large = || Response::error(format!("The body must be at most {MAX_FRAME_BYTES} bytes"), 413);
    let declared = req.headers().get("content-length")?.and_then(|n| n.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FRAME_BYTES as u64) {
        return too_large().map(Err);
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_FRAME_BYTES {
        return too_large().map(Err);
    }
    match serde_json::from_slice(&bytes) {
        Ok(body) => Ok(Ok(body)),
        Err(e) => Response::error(format!("Body must be {{\"prompt\": string}}: {e}"), 400).map(Err),
    }
}

/// An assistant whose replies are durable and resumable.
#[agent]
impl Agent for Assistant {
    type State = ();

    const MAX_MESSAGE_BYTES: usize = MAX_FRAME_BYTES;

    fn new(_env: &Env) -> Self {
        Assistant
    }

    fn initial_state(&self) {}

    /// Asks the model `prompt` in `conversation` (default "main"); streams
    /// the reply's `start` and `delta` chunks, then answers the stored reply.
    #[callable(streaming)]
    async fn ask(
        &self,
        ctx: &Context<Self>,
        stream: StreamingResponse,
        prompt: String,
        conversation: Option<String>,
    ) -> Result<StoredMessage> {
        let conversation = conversation.unwrap_or_else(|| DEFAULT_CONVERSATION.into());
        let id = std::cell::RefCell::new(String::new());
        self.answer(
            ctx,
            &conversation,
            &prompt,
            |m| {
                id.borrow_mut().clone_from(&m.id);
                let _ = stream.send_now(&Chunk::Start { id: &m.id });
            },
            |text| {
                let _ = stream.send_now(&Chunk::Delta { id: &id.borrow(), text });
            },
        )
        .await
    }

    /// Catch-up on the reply `id`: the text after `offset` (UTF-16 units),
    /// then the rest as it streams; answers the stored reply.
    #[callable(streaming)]
    async fn resume(
        &self,
        ctx: &Context<Self>,
        stream: StreamingResponse,
        id: String,
        offset: Option<usize>,
    ) -> Result<StoredMessage> {
        check_name("message id", &id)?;
        let (message, feed) = ctx.conversations().follow(&id)?.ok_or_else(|| format!("No message {id}"))?;
        let missed = after_utf16(&message.content, offset.unwrap_or(0));
        if !missed.is_empty() {
            stream.send(&Chunk::Delta { id: &id, text: missed }).await?;
        }
        let Some(feed) = feed else { return outcome(message) };
        loop {
            match feed.next().await {
                ReplyEvent::Delta(text) => stream.send(&Chunk::Delta { id: &id, text: &text }).await?,
                ReplyEvent::End(message) => return outcome(message),
            }
        }
    }

    /// The messages of `conversation` (default "main"), oldest first.
    #[callable]
    async fn history(&self, ctx: &Context<Self>, conversation: Option<String>) -> Result<Vec<StoredMessage>> {
        let conversation = conversation.as_deref().unwrap_or(DEFAULT_CONVERSATION);
        check_name("conversation name", conversation)?;
        ctx.conversations().history(conversation)
    }

    /// The model's answer to `prompt` alone, not streamed and not stored.
    #[callable]
    async fn complete(&self, ctx: &Context<Self>, prompt: String) -> Result<String> {
        check_prompt(&prompt)?;
        let model = ChatModel::from_env(ctx.env())?;
        let request = ChatRequest::new(vec![ChatMessage::system(SYSTEM), ChatMessage::user(prompt)]);
        Ok(model.complete(ctx.env(), &request).await?.text)
    }

    async fn on_request(&self, ctx: &Context<Self>, mut req: Request) -> Result<Response> {
        let path = req.path();
        let url = req.url()?;
        let query = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
        match (req.method(), path.rsplit_once("/messages/")) {
            (Method::Get, Some((_, id))) => {
                if let Err(why) = check_name("message id", id) {
                    return Ok(Response::error(why, 400)?);
                }
                let offset = query("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
                return follow_over_sse(ctx, id.to_owned(), offset);
            }
            (Method::Post, _) if path.ends_with("/chat") => {
                let body = match read_body(&mut req).await? {
                    Ok(body) => body,
                    Err(response) => return Ok(response),
                };
                let conversation = body.conversation.unwrap_or_else(|| DEFAULT_CONVERSATION.into());
                if let Err(why) = check_name("conversation name", &conversation) {
                    return Ok(Response::error(why, 400)?);
                }
                return chat_over_sse(ctx, conversation, body.prompt);
            }
            (Method::Get, _) if path.ends_with("/history") => {
                let conversation = query("conversation").unwrap_or_else(|| DEFAULT_CONVERSATION.into());
                if let Err(why) = check_name("conversation name", &conversation) {
                    return Ok(Response::error(why, 400)?);
                }
                return Ok(Response::from_json(&ctx.conversations().history(&conversation)?)?);
            }
            _ => {}
        }
        Ok(Response::error("Not found", 404)?)
    }
}
