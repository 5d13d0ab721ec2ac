//! Chat as a part, for agents whose [`Agent::chat`] is `Some`: the
//! transcript table (created on first use), `GET …/get-messages`, and the
//! hook's frames — turns, transcript sync, clear, cancel, resume, tool
//! results and approvals, and the continuations they start.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use serde_json::{json, Map, Value};
use worker::{Method, Request, Response};

use super::live::{send, LiveStream, TurnQueue};
use super::messages::{closing_chunks, id_of, interrupted_message, role_of, MessageBuilder};
use super::streams;
use super::tool_parts::{self, find_call, tool_name, Interaction};
use super::tools::ChatTools;
use super::turn::{Chat, ChatTurn, MessageConcurrency};
use super::wire::{
    chat_error_frame, clear_frame, done_frame, ended_frame, error_frame, error_frame_value, message_updated_frame,
    messages_frame, parse_chat_frame, resume_none_frame, resuming_frame, stream_pending_frame, tool_error_frame,
    ChatFrame, ChatRequestFrame, Outcome, Trigger, CONTINUATION_OWNED, IDLE,
};
use crate::ai::ToolDefinition;
use crate::host::panic::catch_panic;
use crate::host::parts::{Fetch, Part};
use crate::storage::schema::Migrations;
use crate::{Agent, Connection, Context, Result};

/// The transcript: a message's JSON text in pieces (`piece` 0, 1, …),
/// messages ordered by `position`.
pub(super) const MIGRATIONS: Migrations = Migrations {
    key: "schema.chat",
    steps: &["CREATE TABLE IF NOT EXISTS cf_agents_chat_messages (
        id TEXT NOT NULL,
        piece INTEGER NOT NULL,
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        data TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (id, piece)
    );
    CREATE INDEX IF NOT EXISTS cf_agents_chat_messages_position ON cf_agents_chat_messages (position, piece)"],
    legacy: |_| 0,
};

/// Longest a continuation waits, once its batch is complete, for the
/// resume probe each waiting connection sends right after its tool result
/// or approval (the hook does), so that the probe is answered
/// `cf_agent_stream_pending` and then `cf_agent_stream_resuming`: 250 ms.
const PROBE_WAIT: Duration = Duration::from_millis(250);
/// How often that wait looks.
const PROBE_POLL: Duration = Duration::from_millis(5);

/// Handles a text frame for a chat agent (`None`: it was a chat frame).
type FrameFn<A> = for<'a> fn(
    &'a ChatRuntime,
    &'a Rc<Context<A>>,
    &'a Connection,
    String,
) -> Pin<Box<dyn Future<Output = Option<String>> + 'a>>;

/// Answers `GET …/get-messages` for a chat agent.
type FetchFn<A> = for<'a> fn(&'a Rc<Context<A>>, Request) -> Pin<Box<dyn Future<Output = Fetch> + 'a>>;

/// Finishes, at a wake, the streams an eviction cut.
type RecoverFn<A> = fn(&ChatRuntime, &Context<A>);

fn recover<A: Agent>(runtime: &ChatRuntime, ctx: &Context<A>) {
    if let Err(e) = runtime.recover(ctx) {
        worker::console_error!("chat: a stream cut by an eviction could not be finished: {e}");
    }
}

fn frame_boxed<'a, A: Agent>(
    runtime: &'a ChatRuntime,
    ctx: &'a Rc<Context<A>>,
    connection: &'a Connection,
    text: String,
) -> Pin<Box<dyn Future<Output = Option<String>> + 'a>> {
    Box::pin(runtime.frame(ctx, connection, text))
}

fn fetch_boxed<'a, A: Agent>(ctx: &'a Rc<Context<A>>, req: Request) -> Pin<Box<dyn Future<Output = Fetch> + 'a>> {
    Box::pin(get_messages(ctx, req))
}

/// The chat part. Its handlers are reached through function pointers set
/// only when [`Agent::chat`] is `Some`, so no code refers to them for other
/// agents and the optimizer drops the chat code from their classes.
pub(crate) struct ChatPart<A: Agent> {
    runtime: Option<ChatRuntime>,
    frame: Option<FrameFn<A>>,
    fetch: Option<FetchFn<A>>,
    recover: Option<RecoverFn<A>>,
}

/// The chat of one instance of a chat agent.
pub(crate) struct ChatRuntime {
    options: Chat,
    queue: TurnQueue,
    live: RefCell<Option<Rc<LiveStream>>>,
    /// The stream that ended last (a late acknowledgement replays it).
    ended: RefCell<Option<Rc<LiveStream>>>,
    /// Connections waiting for a continuation (they sent a tool result or
    /// approval with `autoContinue`), with the probe id once they probed.
    awaiting: RefCell<HashMap<String, Option<String>>>,
    /// The request id the next continuation streams under.
    pending_id: RefCell<Option<String>>,
    /// A continuation was asked for, but other calls of the batch still
    /// wait for their answers.
    wanted: Cell<bool>,
    /// Calls denied since the last continuation (it streams their
    /// `tool-output-denied`).
    denied: RefCell<Vec<String>>,
    /// How many new messages (`submit-message` requests) came in this wake:
    /// with [`MessageConcurrency::Latest`], a waiting request that is not
    /// the last of them gets no turn.
    submits: Cell<u64>,
}

/// One run of the turn loop: a new turn, or a continuation.
struct Run {
    request_id: String,
    builder: MessageBuilder,
    continuation: bool,
    /// It extends a stored message: approved calls run first, denials are told.
    settle: bool,
    messages: Vec<Value>,
    trigger: Trigger,
    body: Map<String, Value>,
    client_tools: Vec<ToolDefinition>,
    /// Get the terminal frame, and no transcript for this turn.
    requesters: Vec<String>,
    /// Told `cf_agent_stream_resuming` (with their probe id) and sent no
    /// live chunk until they acknowledge.
    parked: HashMap<String, Option<String>>,
    denied: Vec<String>,
    message_ids: Vec<String>,
}

impl<A: Agent> Part<A> for ChatPart<A> {
    fn new() -> Self {
        match A::chat() {
            Some(options) => ChatPart {
                runtime: Some(ChatRuntime::new(options)),
                frame: Some(frame_boxed::<A>),
                fetch: Some(fetch_boxed::<A>),
                recover: Some(recover::<A>),
            },
            None => ChatPart { runtime: None, frame: None, fetch: None, recover: None },
        }
    }

    /// A stream row with no stream running (every wake starts with none)
    /// is a stream an eviction cut: finished before any event of the wake.
    async fn start(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        if let (Some(runtime), Some(recover)) = (&self.runtime, self.recover) {
            recover(runtime, ctx);
        }
        Ok(())
    }

    async fn fetch(&self, ctx: &Rc<Context<A>>, req: Request) -> Fetch {
        match self.fetch {
            Some(fetch) => fetch(ctx, req).await,
            None => Fetch::Pass(req),
        }
    }

    async fn frame(&self, ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
        match (&self.runtime, self.frame) {
            (Some(runtime), Some(frame)) => frame(runtime, ctx, connection, text).await,
            _ => Some(text),
        }
    }
}

async fn get_messages<A: Agent>(ctx: &Rc<Context<A>>, req: Request) -> Fetch {
    if req.method() != Method::Get || !req.path().ends_with("/get-messages") {
        return Fetch::Pass(req);
    }
    let answer = match ctx.chat_messages().json() {
        Ok(json) => Response::ok(json).and_then(|r| {
            r.headers().set("content-type", "application/json")?;
            Ok(r)
        }),
        Err(e) => Response::error(ctx.caller_message("get-messages", &e), 500),
    };
    Fetch::Answered(answer)
}

impl ChatRuntime {
    fn new(options: Chat) -> Self {
        ChatRuntime {
            options,
            queue: TurnQueue::default(),
            live: RefCell::default(),
            ended: RefCell::default(),
            awaiting: RefCell::default(),
            pending_id: RefCell::default(),
            wanted: Cell::new(false),
            denied: RefCell::default(),
            submits: Cell::new(0),
        }
    }

    async fn frame<A: Agent>(&self, ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
        let options = &self.options;
        match parse_chat_frame(&text) {
            ChatFrame::Other => return Some(text),
            ChatFrame::Request(request) => self.turn(ctx, options, connection, request).await,
            ChatFrame::BadRequest { id, error } => send(connection, &error_frame(&id, &error)),
            ChatFrame::Bad(error) => send(connection, &chat_error_frame(&error)),
            ChatFrame::BadTool { tool_call_id, error } => send(connection, &tool_error_frame(&tool_call_id, &error)),
            ChatFrame::Messages(messages) => {
                let store = ctx.chat_messages();
                let stored = messages.iter().try_for_each(|m| store.upsert(m).map(drop));
                match stored.and_then(|()| store.json()) {
                    Ok(all) => ctx.broadcast(&messages_frame(&all), &[connection.id()]),
                    Err(e) => send(connection, &chat_error_frame(&ctx.caller_message("chat messages", &e))),
                }
            }
            ChatFrame::Clear => {
                if let Some(live) = self.live.borrow().as_ref() {
                    live.cleared.set(true);
                    live.cancel();
                }
                self.release_all(ctx);
                *self.ended.borrow_mut() = None;
                let cleared = streams::clear(ctx.sql(), ctx.schema()).and_then(|()| ctx.chat_messages().clear());
                match cleared {
                    Ok(()) => ctx.broadcast(&clear_frame(), &[connection.id()]),
                    Err(e) => send(connection, &chat_error_frame(&ctx.caller_message("chat clear", &e))),
                }
            }
            ChatFrame::Cancel(id) => {
                if let Some(live) = self.live.borrow().as_ref().filter(|l| l.request_id == id) {
                    live.cancel();
                }
            }
            ChatFrame::ResumeRequest { probe_id } => self.probe(ctx, connection, probe_id),
            ChatFrame::ResumeAck(id) => {
                let live = self.live.borrow().clone();
                let ended = self.ended.borrow().clone().filter(|l| l.request_id == id && l.offers(connection.id()));
                match (live, ended) {
                    (Some(live), _) if live.request_id == id => live.replay_to(connection),
                    (_, Some(ended)) => {
                        ended.replay_to(connection);
                        // The AI SDK resumed the ended stream (a reply cut by
                        // eviction, a continuation) into a message of its
                        // own: the transcript puts the stored one back, with
                        // its metadata (`outcome: "aborted"`).
                        if let Ok(transcript) = ctx.chat_messages().json() {
                            send(connection, &messages_frame(&transcript));
                        }
                    }
                    (Some(_), None) => {}
                    (None, None) => send(connection, &ended_frame(&id)),
                }
            }
            ChatFrame::ToolResult(result) => {
                if let Some(tools) = result.client_tools {
                    if let Err(e) = streams::save_context(ctx.sql(), ctx.schema(), None, &tools) {
                        send(
                            connection,
                            &tool_error_frame(&result.tool_call_id, &ctx.caller_message("tool result", &e)),
                        );
                        return None;
                    }
                }
                let interaction =
                    Interaction::Result { tool_name: result.tool_name, output: result.output, error: result.error };
                self.interaction(ctx, options, connection, &result.tool_call_id, interaction, result.auto_continue)
                    .await;
            }
            ChatFrame::ToolApproval(approval) => {
                let interaction = Interaction::Approval { approved: approval.approved };
                self.interaction(ctx, options, connection, &approval.tool_call_id, interaction, approval.auto_continue)
                    .await;
            }
        }
        None
    }
}

/// Whether any of a continuation's owners is still connected.
fn owner_present<A: Agent>(ctx: &Context<A>, owners: &[String]) -> bool {
    ctx.connections().iter().any(|c| owners.iter().any(|o| o == c.id()))
}

fn send_to_id<A: Agent>(ctx: &Context<A>, id: &str, frame: &str) {
    if let Some(connection) = ctx.connections().iter().find(|c| c.id() == id) {
        send(connection, frame);
    }
}

/// Stores a request's messages: the client's list is the transcript, except
/// that the stored copy of a known assistant message wins (the server built
/// it). When every id the client sent is stored (a regeneration, an edit),
/// stored messages the client no longer has are deleted.
fn store_request<A: Agent>(ctx: &Context<A>, request: &ChatRequestFrame) -> Result<()> {
    let store = ctx.chat_messages();
    let stored: HashSet<String> = store.texts()?.into_iter().map(|(id, _)| id).collect();
    let incoming: HashSet<&str> = request.messages.iter().map(id_of).collect();
    if request.trigger == Trigger::Regenerate || incoming.iter().all(|id| stored.contains(*id)) {
        for id in stored.iter().filter(|id| !incoming.contains(id.as_str())) {
            store.delete(id)?;
        }
    }
    for message in &request.messages {
        if role_of(message) == "assistant" && stored.contains(id_of(message)) {
            continue;
        }
        store.upsert(message)?;
    }
    Ok(())
}

/// The terminal frame of a request that gets no turn (`outcome: "skipped"`).
fn skipped_frame(request: &ChatRequestFrame) -> String {
    done_frame(&request.id, Outcome::Skipped, &trailing_user_ids(&request.messages), false).to_string()
}

/// The ids of the trailing user messages of a request.
fn trailing_user_ids(messages: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> =
        messages.iter().rev().take_while(|m| role_of(m) == "user").map(|m| id_of(m).to_owned()).collect();
    ids.reverse();
    ids
}

/// Applies a client's interaction to the stored call it names: the updated
/// message, and whether it is the newest message. `Err` is the sender's.
fn apply_interaction<A: Agent>(
    ctx: &Context<A>,
    tools: &ChatTools<A>,
    call_id: &str,
    interaction: &Interaction,
) -> std::result::Result<(Value, bool), String> {
    let store = ctx.chat_messages();
    let messages = store.list().map_err(|e| ctx.caller_message("tool result", &e))?;
    let Some((m, p)) = find_call(&messages, call_id) else {
        return Err(format!("no tool call {call_id:?} in this chat"));
    };
    let mut message = messages[m].clone();
    let part = &mut message["parts"][p];
    let runs = tools.runs(tool_name(part).unwrap_or_default());
    tool_parts::apply(part, interaction, runs)?;
    store.upsert(&message).map_err(|e| ctx.caller_message("tool result", &e))?;
    Ok((message, m + 1 == messages.len()))
}

impl ChatRuntime {
    /// Answers a resume probe: a connection waiting for a continuation is
    /// told to keep waiting (`cf_agent_stream_pending`; the continuation's
    /// `cf_agent_stream_resuming` follows); else the running stream, or none.
    fn probe<A: Agent>(&self, ctx: &Context<A>, connection: &Connection, probe_id: Option<String>) {
        if let Some(waiting) = self.awaiting.borrow_mut().get_mut(connection.id()) {
            send(connection, &stream_pending_frame(self.pending_id.borrow().as_deref(), probe_id.as_deref()));
            *waiting = probe_id;
            return;
        }
        if let Some(live) = self.live.borrow().as_ref() {
            // Another tab's continuation: that tab gets its replay; this one
            // sees it through the transcript (the hook's rule).
            if live.continuation
                && !live.owners.iter().any(|o| o == connection.id())
                && owner_present(ctx, &live.owners)
            {
                return send(connection, &resume_none_frame(CONTINUATION_OWNED, probe_id.as_deref()));
            }
            live.park(connection.id());
            return send(connection, &resuming_frame(&live.request_id, probe_id.as_deref()));
        }
        // A continuation that ended before this connection acknowledged it,
        // or a stream an eviction cut.
        match self.ended.borrow().as_ref().filter(|ended| ended.offers(connection.id())) {
            Some(ended) => {
                ended.park(connection.id());
                send(connection, &resuming_frame(&ended.request_id, probe_id.as_deref()))
            }
            None => send(connection, &resume_none_frame(IDLE, probe_id.as_deref())),
        }
    }

    /// Finishes the streams an eviction cut: the partial assistant message
    /// built from the stored chunks ([`interrupted_message`]) is stored and
    /// the stream's rows deleted in one transaction, the transcript sent to
    /// every connection, and the stream kept in memory so that a client
    /// probing for it gets its replay (original `seq`) and a terminal frame
    /// with `outcome: "aborted"`. A stream that cannot be finished is logged
    /// and left stored (tried again at the next wake); the others still are.
    fn recover<A: Agent>(&self, ctx: &Context<A>) -> Result<()> {
        let rows = streams::streams(ctx.sql(), ctx.schema())?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            if let Err(e) = self.recover_stream(ctx, &row) {
                worker::console_error!(
                    "chat: the stream {} cut by an eviction could not be finished: {e}",
                    row.request_id
                );
            }
        }
        ctx.broadcast(&messages_frame(&ctx.chat_messages().json()?), &[]);
        Ok(())
    }

    fn recover_stream<A: Agent>(&self, ctx: &Context<A>, row: &streams::StreamRow) -> Result<()> {
        let store = ctx.chat_messages();
        let mut chunks = streams::chunks(ctx.sql(), &row.request_id)?;
        let continuation = row.continuation != 0;
        // The stored message the stream extended: a continuation's, and a
        // new request's whose list ended with that assistant message (a new
        // turn's id is new, so it finds none).
        let base = store.list()?.into_iter().find(|m| id_of(m) == row.message_id);
        let message = interrupted_message(&row.message_id, base.as_ref(), &chunks);
        ctx.sql().transaction(|sql| {
            if let Some(message) = &message {
                store.upsert(message)?;
            }
            streams::delete(sql, ctx.schema(), &row.request_id)
        })?;
        // Its replay ends what it left open (not stored: the message is).
        let next = chunks.last().map_or(0, |(seq, _)| seq + 1);
        let closing = closing_chunks(&chunks).into_iter().map(|c| c.to_string());
        chunks.extend((next..).zip(closing));
        let last = done_frame(&row.request_id, Outcome::Aborted, &[], continuation);
        let builder = MessageBuilder::new(&row.message_id);
        let orphan = LiveStream::orphan(&row.request_id, builder, continuation, chunks, last);
        *self.ended.borrow_mut() = Some(orphan);
        Ok(())
    }

    /// Stops waiting for a continuation on behalf of `connection`: a probe
    /// it sent is answered `resume_none` now (`idle` with its probe id,
    /// which also resets the hook's wait for a tool continuation).
    fn release<A: Agent>(&self, ctx: &Context<A>, connection: &str) {
        let probe = self.awaiting.borrow_mut().remove(connection);
        if let Some(Some(probe)) = probe {
            send_to_id(ctx, connection, &resume_none_frame(IDLE, Some(&probe)));
        }
        if self.awaiting.borrow().is_empty() && !self.wanted.get() {
            *self.pending_id.borrow_mut() = None;
        }
    }

    /// Forgets every awaited continuation (a clear, a new turn).
    fn release_all<A: Agent>(&self, ctx: &Context<A>) {
        self.wanted.set(false);
        self.denied.borrow_mut().clear();
        let waiting: Vec<String> = self.awaiting.borrow().keys().cloned().collect();
        for connection in waiting {
            self.release(ctx, &connection);
        }
        *self.pending_id.borrow_mut() = None;
    }

    async fn turn<A: Agent>(
        &self,
        ctx: &Rc<Context<A>>,
        options: &Chat,
        connection: &Connection,
        request: ChatRequestFrame,
    ) {
        let submit = request.trigger == Trigger::Submit;
        if submit && options.concurrency == MessageConcurrency::Drop && self.queue.is_busy() {
            // Nothing stored: the sender's hook puts the stored transcript back.
            if let Ok(all) = ctx.chat_messages().json() {
                send(connection, &messages_frame(&all));
            }
            return send(connection, &skipped_frame(&request));
        }
        let ticket = self.submits.get() + u64::from(submit);
        self.submits.set(ticket);
        let _slot = self.queue.acquire().await;
        let requester = connection.id().to_owned();
        if submit && options.concurrency == MessageConcurrency::Latest && ticket != self.submits.get() {
            // A newer message waits: this one's messages are stored, its
            // turn is the newer one's.
            let stored = store_request(ctx, &request).and_then(|()| ctx.chat_messages().json());
            let frame = match stored {
                Ok(all) => {
                    ctx.broadcast(&messages_frame(&all), &[&requester]);
                    skipped_frame(&request)
                }
                Err(e) => error_frame(&request.id, &ctx.caller_message("chat request", &e)),
            };
            return send(connection, &frame);
        }
        let denied = std::mem::take(&mut *self.denied.borrow_mut());
        self.release_all(ctx);
        let stored = streams::save_context(ctx.sql(), ctx.schema(), Some(&request.body), &request.client_tools)
            .and_then(|()| store_request(ctx, &request))
            .and_then(|()| ctx.chat_messages().json());
        let messages = match stored.and_then(|all| {
            ctx.broadcast(&messages_frame(&all), &[&requester]);
            ctx.chat_messages().list()
        }) {
            Ok(messages) => messages,
            Err(e) => return send(connection, &error_frame(&request.id, &ctx.caller_message("chat request", &e))),
        };
        // A request that ends with a stored assistant message (the hook's
        // `sendMessage()` after tool results without `autoContinue`) extends it.
        let extends = messages.last().filter(|m| request.trigger == Trigger::Submit && role_of(m) == "assistant");
        let builder = match extends {
            Some(message) => MessageBuilder::extending(message),
            None => MessageBuilder::new(&crate::ids::uuid_v4()),
        };
        let settle = extends.is_some();
        let denied = if settle { denied } else { Vec::new() };
        let run = Run {
            message_ids: trailing_user_ids(&request.messages),
            request_id: request.id,
            builder,
            continuation: false,
            settle,
            messages,
            trigger: request.trigger,
            body: request.body,
            client_tools: request.client_tools,
            requesters: vec![requester],
            parked: HashMap::new(),
            denied,
        };
        self.run(ctx, options, run).await;
    }

    /// A browser tool's result or a person's approval: applied to the
    /// stored call (or refused to the sender), `cf_agent_message_updated`
    /// to every connection, and — when the sender asked (`autoContinue`)
    /// and no call of the message waits any more — a continuation.
    async fn interaction<A: Agent>(
        &self,
        ctx: &Rc<Context<A>>,
        options: &Chat,
        connection: &Connection,
        call_id: &str,
        interaction: Interaction,
        auto_continue: bool,
    ) {
        let sender = connection.id().to_owned();
        if auto_continue {
            self.awaiting.borrow_mut().entry(sender.clone()).or_insert(None);
            self.pending_id.borrow_mut().get_or_insert_with(crate::ids::uuid_v4);
        }
        let _slot = self.queue.acquire().await;
        let tools = A::chat_tools();
        let (message, newest) = match apply_interaction(ctx, &tools, call_id, &interaction) {
            Ok(applied) => applied,
            Err(error) => {
                send(connection, &tool_error_frame(call_id, &error));
                return self.release(ctx, &sender);
            }
        };
        ctx.broadcast(&message_updated_frame(&message), &[]);
        if interaction == (Interaction::Approval { approved: false }) {
            self.denied.borrow_mut().push(call_id.to_owned());
        }
        if !(auto_continue || self.wanted.get()) {
            return;
        }
        if !newest {
            self.wanted.set(false);
            return self.release_all(ctx);
        }
        if tool_parts::awaits_client(&message, |name| tools.runs(name)) {
            self.wanted.set(true);
            return;
        }
        self.wanted.set(false);
        let mut waited = Duration::ZERO;
        while waited < PROBE_WAIT && self.awaiting.borrow().values().any(Option::is_none) {
            worker::Delay::from(PROBE_POLL).await;
            waited += PROBE_POLL;
        }
        self.continuation(ctx, options).await;
    }

    /// Continues the newest assistant message (the caller holds the turn).
    async fn continuation<A: Agent>(&self, ctx: &Rc<Context<A>>, options: &Chat) {
        let request_id = self.pending_id.borrow_mut().take().unwrap_or_else(crate::ids::uuid_v4);
        let parked = std::mem::take(&mut *self.awaiting.borrow_mut());
        let denied = std::mem::take(&mut *self.denied.borrow_mut());
        // The last request's body and tools: kept in storage, so a
        // continuation after an eviction offers the model the same tools.
        let context = streams::load_context(ctx.sql(), ctx.schema());
        let messages = context.and_then(|context| Ok((context, ctx.chat_messages().list()?)));
        let ((body, client_tools), messages) = match messages {
            Ok(messages) => messages,
            Err(e) => {
                let error = error_frame(&request_id, &ctx.caller_message("chat continuation", &e));
                for connection in parked.keys() {
                    send_to_id(ctx, connection, &error);
                }
                return;
            }
        };
        let Some(last) = messages.last().filter(|m| role_of(m) == "assistant") else {
            for (connection, probe) in &parked {
                send_to_id(ctx, connection, &resume_none_frame(IDLE, probe.as_deref()));
            }
            return;
        };
        let run = Run {
            request_id,
            builder: MessageBuilder::extending(last),
            continuation: true,
            settle: true,
            trigger: Trigger::Submit,
            body,
            client_tools,
            requesters: parked.keys().cloned().collect(),
            parked,
            denied,
            message_ids: Vec::new(),
            messages,
        };
        self.run(ctx, options, run).await;
    }

    async fn run<A: Agent>(&self, ctx: &Rc<Context<A>>, options: &Chat, run: Run) {
        let message_id = run.builder.id().to_owned();
        let begun = streams::ensure(ctx.sql(), ctx.schema())
            .and_then(|()| streams::begin(ctx.sql(), &run.request_id, &message_id, run.continuation));
        if let Err(e) = begun {
            let frame = error_frame_value(&run.request_id, &ctx.caller_message("chat stream", &e), run.continuation);
            for connection in ctx.connections().iter().filter(|c| run.requesters.iter().any(|r| r == c.id())) {
                send(connection, &frame.to_string());
            }
            return;
        }
        let recipients: Vec<Connection> =
            ctx.connections().into_iter().filter(|c| !run.parked.contains_key(c.id())).collect();
        let owners = if run.continuation { run.requesters.clone() } else { Vec::new() };
        let sql = Some(ctx.sql().clone());
        let live = LiveStream::new(&run.request_id, run.builder, run.continuation, recipients, owners, sql);
        *self.live.borrow_mut() = Some(live.clone());
        for (connection, probe) in &run.parked {
            live.park(connection);
            send_to_id(ctx, connection, &resuming_frame(&run.request_id, probe.as_deref()));
        }
        let turn = ChatTurn {
            request_id: run.request_id.clone(),
            message_id: message_id.clone(),
            trigger: run.trigger,
            messages: run.messages,
            body: run.body,
            system: options.system.clone(),
            live: live.clone(),
            texts: Default::default(),
            client_tools: run.client_tools,
            continuation: run.continuation,
        };
        let start = if run.continuation {
            json!({ "type": "start" })
        } else {
            json!({ "type": "start", "messageId": message_id })
        };
        let _ = live.emit(&start);
        let _ = live.emit(&json!({ "type": "start-step" }));
        let answer = async {
            if run.settle {
                turn.settle_approvals(ctx, &A::chat_tools(), &run.denied).await?;
            }
            ctx.agent().on_chat_message(ctx, &turn).await
        };
        let hook = Box::pin(catch_panic(answer));
        let failure: Option<String> = match select(hook, Box::pin(live.cancelled())).await {
            Either::Left((Ok(Ok(())), _)) => None,
            Either::Left((Ok(Err(e)), _)) => Some(ctx.caller_message("on_chat_message", &e)),
            Either::Left((Err(panic), _)) => Some(ctx.internal_error("on_chat_message panicked", &panic)),
            Either::Right(((), _)) => None,
        };
        let outcome = if live.is_cancelled() {
            Outcome::Aborted
        } else {
            for id in live.builder.borrow().open_texts() {
                let _ = live.emit(&json!({ "type": "text-end", "id": id }));
            }
            if failure.is_none() {
                let _ = live.emit(&json!({ "type": "finish-step" }));
                let reason = live.finish_reason.borrow().clone().unwrap_or_else(|| "stop".into());
                let _ = live.emit(&json!({ "type": "finish", "messageMetadata": { "finishReason": reason } }));
            }
            if failure.is_some() || live.failed.get() {
                Outcome::Error
            } else {
                Outcome::Completed
            }
        };
        // Deltas still held (a hook that failed after them) are stored and sent first.
        if let Err(e) = live.flush() {
            worker::console_error!("chat stream {}: {e}", run.request_id);
        }
        live.keep_chunks();
        let finished = self.finish(ctx, options, &live, &run.requesters);
        *self.live.borrow_mut() = None;
        let (frame, transcript) = match (finished, failure) {
            (Err(e), _) => {
                (error_frame_value(&run.request_id, &ctx.caller_message("chat reply", &e), run.continuation), None)
            }
            (Ok(transcript), Some(error)) => (error_frame_value(&run.request_id, &error, run.continuation), transcript),
            (Ok(transcript), None) => {
                (done_frame(&run.request_id, outcome, &run.message_ids, run.continuation), transcript)
            }
        };
        let requesters: Vec<Connection> =
            ctx.connections().into_iter().filter(|c| run.requesters.iter().any(|r| r == c.id())).collect();
        live.send_final(frame, &requesters);
        // A continuation's requester resumed it into a message of its own
        // (the AI SDK resumes a finished browser tool call that way): after
        // its stream has ended, the transcript puts the stored message back.
        if let (true, Some(transcript)) = (run.continuation, transcript) {
            for connection in &requesters {
                let _ = connection.send(&transcript);
            }
        }
        *self.ended.borrow_mut() = Some(live);
    }

    /// Stores the assistant message (unless the history was cleared while
    /// it streamed) and deletes its stream's rows in the same transaction,
    /// then sends the transcript to the other connections; returns that
    /// `cf_agent_chat_messages` frame, if a message was stored.
    fn finish<A: Agent>(
        &self,
        ctx: &Context<A>,
        options: &Chat,
        live: &LiveStream,
        requesters: &[String],
    ) -> Result<Option<String>> {
        let store = ctx.chat_messages();
        let keep = !live.cleared.get() && live.builder.borrow().has_content();
        ctx.sql().transaction(|sql| {
            if keep {
                store.upsert(&live.builder.borrow().message())?;
                if let Some(max) = options.max_messages {
                    store.keep_newest(max)?;
                }
            }
            streams::delete(sql, ctx.schema(), &live.request_id)
        })?;
        if !keep {
            return Ok(None);
        }
        let exclude: Vec<&str> = requesters.iter().map(String::as_str).collect();
        let transcript = messages_frame(&store.json()?);
        ctx.broadcast(&transcript, &exclude);
        Ok(Some(transcript))
    }
}
