//! What [`Agent::on_chat_message`](crate::Agent::on_chat_message) gets: the
//! turn's request and transcript, and the ways to answer (the model's
//! stream, plain text, or chunks of its own).

use std::rc::Rc;

use serde_json::{json, Map, Value};

use super::live::LiveStream;
use super::mcp_tools::McpTools;
use super::messages::{id_of, model_messages};
use super::tools::{ChatTools, ToolKind, ToolOutcome};
use super::wire::Trigger;
use crate::ai::{ChatMessage, ChatModel, ChatRequest, Role, StreamEvent, ToolCall, ToolDefinition};
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
    /// What a new message (`submit-message`) does while another turn runs
    /// or waits: [`MessageConcurrency::Queue`] by default.
    pub concurrency: MessageConcurrency,
}

/// What a chat request sent while another turn runs or waits does (the
/// reference's `messageConcurrency`). Only new messages (`submit-message`)
/// are concerned: regenerations, tool results and approvals always queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageConcurrency {
    /// Every request gets its turn, in the order they came.
    #[default]
    Queue,
    /// Of the requests waiting, only the newest gets a turn: the others'
    /// messages are stored and they end at once with `outcome: "skipped"`
    /// (the newest one's turn answers them all).
    Latest,
    /// A request that comes while a turn runs or waits is refused: nothing
    /// of it is stored, its sender gets the stored transcript back (the
    /// hook drops the message it showed) and `outcome: "skipped"`.
    Drop,
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

    /// Sets what a new message does while another turn runs or waits.
    pub fn message_concurrency(mut self, concurrency: MessageConcurrency) -> Self {
        self.concurrency = concurrency;
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
    pub(crate) client_tools: Vec<ToolDefinition>,
    pub(crate) continuation: bool,
}

/// A tool call whose input streams: the id it streams under once its name
/// is known (`tool-input-start` sent), and the arguments' text that came
/// before.
#[derive(Default)]
struct Streaming {
    id: Option<String>,
    early: String,
}

/// A tool call as announced: its input, or why it has none (arguments that
/// are not JSON).
struct Announced {
    call: ToolCall,
    input: std::result::Result<Value, String>,
}

impl ChatTurn {
    /// The client's request id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The id the assistant message is stored under (`start.messageId`;
    /// for a continuation, the message it extends).
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// Whether this turn continues an assistant message after a browser
    /// tool's result or a person's approval (its tool results are in
    /// [`ChatTurn::model_request`]).
    pub fn is_continuation(&self) -> bool {
        self.continuation
    }

    /// The page's tools (`clientTools` of the request, or of the tool
    /// result that continued it): browser tools the model is offered by
    /// [`ChatTurn::stream_model_with_tools`].
    pub fn client_tools(&self) -> &[ToolDefinition] {
        &self.client_tools
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

    /// The model's request: the system prompt, then every stored message
    /// ([`model_messages`]: text, tool calls and their results), the
    /// message this turn builds as it is now last.
    pub fn model_request(&self) -> ChatRequest {
        let mut messages: Vec<Value> = self.messages.iter().filter(|m| id_of(m) != self.message_id).cloned().collect();
        messages.push(self.live.builder.borrow().message());
        ChatRequest::new(model_messages(self.system.as_deref(), &messages))
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
    /// piece (tool calls the model makes are not run: see
    /// [`ChatTurn::stream_model_with_tools`]). A model error (configuration,
    /// provider, a cut stream) is streamed as an `error` chunk after the
    /// text so far; `Err` only for what the framework failed at.
    pub async fn stream_model<A: Agent>(
        &self,
        ctx: &Context<A>,
        model: &ChatModel,
        request: &ChatRequest,
    ) -> Result<()> {
        let mut request = request.clone();
        if !self.refresh_context(ctx, &mut request, &mut None)? {
            return Ok(());
        }
        self.model_step(ctx, model, &request, false).await.map(drop)
    }

    /// Puts the agent's [`Agent::chat_context`] in `request` (after its
    /// leading system messages), replacing the one put at `at` before, or
    /// takes it out when there is none now. `false` when reading it failed
    /// (the error streamed: the turn ends).
    fn refresh_context<A: Agent>(
        &self,
        ctx: &Context<A>,
        request: &mut ChatRequest,
        at: &mut Option<usize>,
    ) -> Result<bool> {
        let context = match ctx.agent().chat_context(ctx) {
            Ok(context) => context,
            Err(e) => {
                self.error(&ctx.caller_message("chat context", &e))?;
                return Ok(false);
            }
        };
        match (context, *at) {
            (Some(text), Some(i)) => request.messages[i] = ChatMessage::system(text),
            (Some(text), None) => {
                let i = request.messages.iter().take_while(|m| m.role == Role::System).count();
                request.messages.insert(i, ChatMessage::system(text));
                *at = Some(i);
            }
            (None, Some(i)) => {
                request.messages.remove(i);
                *at = None;
            }
            (None, None) => {}
        }
        Ok(true)
    }

    /// One model call: its text streamed as a text part, and with
    /// `with_calls` its tool calls' input as it streams; `None` when it
    /// failed (the error streamed), else its text and tool calls (with the
    /// id each streamed under).
    async fn model_step<A: Agent>(
        &self,
        ctx: &Context<A>,
        model: &ChatModel,
        request: &ChatRequest,
        with_calls: bool,
    ) -> Result<Option<(String, Vec<(ToolCall, Option<String>)>)>> {
        let mut open: Option<String> = None;
        let mut text = String::new();
        let mut calls = Vec::new();
        let mut streaming: Vec<Streaming> = Vec::new();
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
                        text.push_str(&piece);
                        self.chunk(json!({ "type": "text-delta", "id": id, "delta": piece }))?;
                    }
                    Some(Ok(StreamEvent::ToolCallDelta { call, id, name, arguments })) if with_calls => {
                        if streaming.len() <= call {
                            streaming.resize_with(call + 1, Streaming::default);
                        }
                        self.stream_input(&mut streaming[call], &id, &name, &arguments)?;
                    }
                    Some(Ok(StreamEvent::ToolCall(call))) => {
                        let started = streaming.get_mut(calls.len()).and_then(|s| s.id.take());
                        calls.push((call, started));
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
            return Ok(None);
        }
        Ok(Some((text, calls)))
    }

    /// A fragment of a streaming tool call: `tool-input-start` once its
    /// name is known (under an id unique in the message), then one
    /// `tool-input-delta` per piece of its arguments.
    fn stream_input(&self, call: &mut Streaming, id: &str, name: &str, arguments: &str) -> Result<()> {
        match &call.id {
            Some(id) => {
                if !arguments.is_empty() {
                    self.chunk(json!({ "type": "tool-input-delta", "toolCallId": id, "inputTextDelta": arguments }))?;
                }
            }
            // The name may come in pieces: it is whole once the arguments
            // start.
            None if name.is_empty() || arguments.is_empty() => call.early.push_str(arguments),
            None => {
                let id = if id.is_empty() || self.live.builder.borrow().has_call(id) {
                    format!("call_{}", crate::ids::uuid_v4().replace('-', ""))
                } else {
                    id.to_owned()
                };
                self.chunk(json!({ "type": "tool-input-start", "toolCallId": id, "toolName": name }))?;
                call.early.push_str(arguments);
                let early = std::mem::take(&mut call.early);
                if !early.is_empty() {
                    self.chunk(json!({ "type": "tool-input-delta", "toolCallId": id, "inputTextDelta": early }))?;
                }
                call.id = Some(id);
            }
        }
        Ok(())
    }

    /// Streams the model's tool calls (`tool-input-start` and `-delta` for
    /// a call whose input did not stream, then `-available`, or
    /// `tool-input-error` for arguments that are not JSON), each with an id
    /// unique in the message. A call that streamed keeps the id it streamed
    /// under (`started`).
    fn announce(&self, calls: Vec<(ToolCall, Option<String>)>) -> Result<Vec<Announced>> {
        let mut out: Vec<Announced> = Vec::new();
        for (mut call, started) in calls {
            if call.name.is_empty() {
                call.name = "unnamed".into();
            }
            if let Some(id) = started {
                call.id = id;
            } else {
                let taken = |id: &str| self.live.builder.borrow().has_call(id) || out.iter().any(|a| a.call.id == id);
                if call.id.is_empty() || taken(&call.id) {
                    call.id = format!("call_{}", crate::ids::uuid_v4().replace('-', ""));
                }
                let (id, name) = (call.id.clone(), call.name.clone());
                self.chunk(json!({ "type": "tool-input-start", "toolCallId": id, "toolName": name }))?;
                if !call.arguments.is_empty() {
                    self.chunk(
                        json!({ "type": "tool-input-delta", "toolCallId": id, "inputTextDelta": call.arguments }),
                    )?;
                }
            }
            let (id, name) = (call.id.clone(), call.name.clone());
            let text = if call.arguments.trim().is_empty() { "{}" } else { call.arguments.as_str() };
            let input = match serde_json::from_str::<Value>(text) {
                Ok(input) => {
                    self.chunk(
                        json!({ "type": "tool-input-available", "toolCallId": id, "toolName": name, "input": input }),
                    )?;
                    Ok(input)
                }
                Err(e) => {
                    let error = format!("The arguments of {name} are not JSON: {e}");
                    self.chunk(json!({ "type": "tool-input-error", "toolCallId": id, "toolName": name,
                        "input": call.arguments, "errorText": error }))?;
                    Err(error)
                }
            };
            out.push(Announced { call, input });
        }
        Ok(out)
    }

    /// Streams a tool's outcome (`tool-output-available` / `-error`).
    fn tool_outcome(&self, id: &str, outcome: &ToolOutcome) -> Result<()> {
        match outcome {
            ToolOutcome::Output(output) => {
                self.chunk(json!({ "type": "tool-output-available", "toolCallId": id, "output": output }))
            }
            ToolOutcome::Error(error) => {
                self.chunk(json!({ "type": "tool-output-error", "toolCallId": id, "errorText": error }))
            }
        }
    }

    /// The model's multi-step loop: `model` answers `request` with `tools`
    /// (and the page's [`ChatTurn::client_tools`]) offered; each step
    /// streams its text and tool calls. Server tools run at once (the calls
    /// of a step together) and the model is called again with their
    /// results, up to [`ChatTools::steps`] model calls. A call that needs
    /// approval streams `tool-approval-request`, and a browser tool's call
    /// ends at `tool-input-available`: the turn then ends, stored, and the
    /// client's approval or result continues it (once every call of the
    /// step has its answer). With [`ChatTools::with_mcp`], the tools of the
    /// agent's ready MCP servers are offered too and run on their server
    /// like server tools. A call of an unknown tool is told to the model
    /// as an error.
    pub async fn stream_model_with_tools<A: Agent>(
        &self,
        ctx: &Context<A>,
        model: &ChatModel,
        request: &ChatRequest,
        tools: &ChatTools<A>,
    ) -> Result<()> {
        let mut request = request.clone();
        for tool in tools.definitions().into_iter().chain(self.client_tools.iter().cloned()) {
            if !request.tools.iter().any(|t| t.name == tool.name) {
                request.tools.push(tool);
            }
        }
        let mcp = &McpTools::offer(ctx, tools, &mut request.tools)?;
        let is_client_tool = |name: &str| self.client_tools.iter().any(|t| t.name == name);
        let mut context_at = None;
        for step in 0..tools.steps() {
            if self.is_cancelled() {
                return Ok(());
            }
            if step > 0 {
                self.chunk(json!({ "type": "finish-step" }))?;
                self.chunk(json!({ "type": "start-step" }))?;
            }
            if !self.refresh_context(ctx, &mut request, &mut context_at)? {
                return Ok(());
            }
            let Some((text, calls)) = self.model_step(ctx, model, &request, true).await? else { return Ok(()) };
            if calls.is_empty() {
                return Ok(());
            }
            let calls = self.announce(calls)?;
            let tool_calls = calls.iter().map(|a| a.call.clone()).collect();
            request.messages.push(ChatMessage { tool_calls, ..ChatMessage::assistant(text) });
            let runs = calls.iter().map(|a| async move {
                match (&a.input, tools.kind(&a.call.name)) {
                    (Err(e), _) => Some(ToolOutcome::Error(e.clone())),
                    (Ok(input), Some(ToolKind::Server)) => Some(tools.run(ctx, &a.call.name, input.clone()).await),
                    (Ok(_), Some(ToolKind::NeedsApproval | ToolKind::Browser)) => None,
                    (Ok(input), None) if mcp.has(&a.call.name) => Some(mcp.run(ctx, &a.call.name, input.clone()).await),
                    (Ok(_), None) if is_client_tool(&a.call.name) => None,
                    (Ok(_), None) => Some(ToolOutcome::Error(format!("No tool named {}", a.call.name))),
                }
            });
            let outcomes = futures_util::future::join_all(runs).await;
            let mut waiting = false;
            for (announced, outcome) in calls.iter().zip(outcomes) {
                let id = &announced.call.id;
                match outcome {
                    Some(outcome) => {
                        if announced.input.is_ok() {
                            self.tool_outcome(id, &outcome)?;
                        }
                        let content = match &outcome {
                            ToolOutcome::Output(output) => output.to_string(),
                            ToolOutcome::Error(error) => format!("Error: {error}"),
                        };
                        request.messages.push(ChatMessage::tool(id, content));
                    }
                    None => {
                        waiting = true;
                        if tools.kind(&announced.call.name) == Some(ToolKind::NeedsApproval) {
                            let approval = crate::ids::uuid_v4();
                            self.chunk(
                                json!({ "type": "tool-approval-request", "approvalId": approval, "toolCallId": id }),
                            )?;
                        }
                    }
                }
            }
            if waiting {
                return Ok(());
            }
        }
        Ok(())
    }

    /// At the start of a continuation: runs the approved calls of the
    /// message (streaming their outcomes) and streams `tool-output-denied`
    /// for the calls in `denied`.
    pub(crate) async fn settle_approvals<A: Agent>(
        &self,
        ctx: &Context<A>,
        tools: &ChatTools<A>,
        denied: &[String],
    ) -> Result<()> {
        for id in denied {
            self.chunk(json!({ "type": "tool-output-denied", "toolCallId": id }))?;
        }
        let approved = super::tool_parts::approved_calls(&self.live.builder.borrow().message());
        for (id, name, input) in approved {
            let outcome = tools.run(ctx, &name, input).await;
            self.tool_outcome(&id, &outcome)?;
        }
        Ok(())
    }

    /// The default answer: the configured model
    /// ([`ChatModel::from_env`]) with the whole conversation and the
    /// agent's [`Agent::chat_tools`] (and the page's), in the multi-step
    /// loop of [`ChatTurn::stream_model_with_tools`]; with no model
    /// configured, the configuration error as the turn's error.
    pub async fn reply_with_configured_model<A: Agent>(&self, ctx: &Context<A>) -> Result<()> {
        match ChatModel::from_env(ctx.env()) {
            Ok(model) => self.stream_model_with_tools(ctx, &model, &self.model_request(), &A::chat_tools()).await,
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
            .field("continuation", &self.continuation)
            .finish_non_exhaustive()
    }
}
