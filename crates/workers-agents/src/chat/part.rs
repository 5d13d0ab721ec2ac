//! Chat as a part, for agents whose [`Agent::chat`] is `Some`: the
//! transcript table (created on first use), `GET …/get-messages`, and the
//! hook's frames — turns, transcript sync, clear, cancel, resume.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::{Rc, Weak};

use futures_util::future::{select, Either};
use serde_json::{json, Value};
use worker::{Method, Request, Response};

use super::live::{LiveStream, TurnQueue};
use super::messages::{id_of, role_of};
use super::turn::{Chat, ChatTurn};
use super::wire::{
    chat_error_frame, clear_frame, done_frame, error_frame, messages_frame, parse_chat_frame, resume_none_frame,
    resuming_frame, ChatFrame, ChatRequestFrame, Outcome, Trigger,
};
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

/// The chat of one instance.
pub(crate) struct ChatPart {
    options: Option<Chat>,
    queue: TurnQueue,
    live: RefCell<Option<Rc<LiveStream>>>,
}

impl<A: Agent> Part<A> for ChatPart {
    fn new() -> Self {
        ChatPart { options: A::chat(), queue: TurnQueue::default(), live: RefCell::default() }
    }

    async fn fetch(&self, ctx: &Rc<Context<A>>, req: Request) -> Fetch {
        if self.options.is_none() || req.method() != Method::Get || !req.path().ends_with("/get-messages") {
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

    async fn frame(&self, ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
        let Some(options) = &self.options else { return Some(text) };
        match parse_chat_frame(&text) {
            ChatFrame::Other => return Some(text),
            ChatFrame::Request(request) => self.turn(ctx, options, connection, request).await,
            ChatFrame::BadRequest { id, error } => send(connection, &error_frame(&id, &error)),
            ChatFrame::Bad(error) => send(connection, &chat_error_frame(&error)),
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
                match ctx.chat_messages().clear() {
                    Ok(()) => ctx.broadcast(&clear_frame(), &[connection.id()]),
                    Err(e) => send(connection, &chat_error_frame(&ctx.caller_message("chat clear", &e))),
                }
            }
            ChatFrame::Cancel(id) => {
                if let Some(live) = self.live.borrow().as_ref().filter(|l| l.request_id == id) {
                    live.cancel();
                }
            }
            ChatFrame::ResumeRequest { probe_id } => match self.live.borrow().as_ref() {
                Some(live) => {
                    live.park(connection.id());
                    send(connection, &resuming_frame(&live.request_id, probe_id.as_deref()));
                }
                None => send(connection, &resume_none_frame(probe_id.as_deref())),
            },
            ChatFrame::ResumeAck(id) => {
                if let Some(live) = self.live.borrow().as_ref().filter(|l| l.request_id == id) {
                    live.replay_to(connection.id());
                }
            }
        }
        None
    }
}

fn send(connection: &Connection, frame: &str) {
    if let Err(e) = connection.send(frame) {
        worker::console_debug!("send to {} skipped: {e}", connection.id());
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

/// The ids of the trailing user messages of a request.
fn trailing_user_ids(messages: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> =
        messages.iter().rev().take_while(|m| role_of(m) == "user").map(|m| id_of(m).to_owned()).collect();
    ids.reverse();
    ids
}

impl ChatPart {
    async fn turn<A: Agent>(
        &self,
        ctx: &Rc<Context<A>>,
        options: &Chat,
        connection: &Connection,
        request: ChatRequestFrame,
    ) {
        let _slot = self.queue.acquire().await;
        let requester = connection.id().to_owned();
        let stored = store_request(ctx, &request).and_then(|()| ctx.chat_messages().json());
        let messages = match stored.and_then(|all| {
            ctx.broadcast(&messages_frame(&all), &[&requester]);
            ctx.chat_messages().list()
        }) {
            Ok(messages) => messages,
            Err(e) => return send(connection, &error_frame(&request.id, &ctx.caller_message("chat request", &e))),
        };
        let message_id = crate::ids::uuid_v4();
        let recipients: HashSet<String> = ctx.connections().iter().map(|c| c.id().to_owned()).collect();
        let weak: Weak<Context<A>> = Rc::downgrade(ctx);
        let send_to = Box::new(move |frame: &str, to: &HashSet<String>| {
            if let Some(ctx) = weak.upgrade() {
                for c in ctx.connections().iter().filter(|c| to.contains(c.id())) {
                    send(c, frame);
                }
            }
        });
        let live = Rc::new(LiveStream::new(&request.id, &message_id, recipients, send_to));
        *self.live.borrow_mut() = Some(live.clone());
        let turn = ChatTurn {
            request_id: request.id.clone(),
            message_id: message_id.clone(),
            trigger: request.trigger,
            messages,
            body: request.body,
            system: options.system.clone(),
            live: live.clone(),
            texts: Default::default(),
        };
        let _ = live.emit(&json!({ "type": "start", "messageId": message_id }));
        let _ = live.emit(&json!({ "type": "start-step" }));
        let hook = Box::pin(catch_panic(ctx.agent().on_chat_message(ctx, &turn)));
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
        let finished = self.finish(ctx, options, &live, &requester);
        *self.live.borrow_mut() = None;
        let frame = match (finished, failure) {
            (Err(e), _) => error_frame(&request.id, &ctx.caller_message("chat reply", &e)),
            (Ok(()), Some(error)) => error_frame(&request.id, &error),
            (Ok(()), None) => done_frame(&request.id, outcome, &trailing_user_ids(&request.messages)),
        };
        live.send_final(&frame, &requester);
    }

    /// Stores the assistant message (unless the history was cleared while
    /// it streamed) and sends the transcript to the other connections.
    fn finish<A: Agent>(&self, ctx: &Context<A>, options: &Chat, live: &LiveStream, requester: &str) -> Result<()> {
        if live.cleared.get() || !live.builder.borrow().has_content() {
            return Ok(());
        }
        let store = ctx.chat_messages();
        store.upsert(&live.builder.borrow().message())?;
        if let Some(max) = options.max_messages {
            store.keep_newest(max)?;
        }
        ctx.broadcast(&messages_frame(&store.json()?), &[requester]);
        Ok(())
    }
}
