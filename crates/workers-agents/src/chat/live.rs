//! The stream of the turn running in this wake: its chunks (kept for the
//! replay a resuming client asks for), who receives it live, the assistant
//! message it builds, and its cancellation.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, Waker};

use serde_json::Value;

use super::messages::MessageBuilder;
use super::wire::{chunk_frame, replay_complete_frame, replay_frame};

/// Sends a frame to the connections with these ids.
pub(crate) type SendTo = Box<dyn Fn(&str, &HashSet<String>)>;

/// One running turn's stream.
pub(crate) struct LiveStream {
    pub(crate) request_id: String,
    /// A continuation (after a tool result or approval): every frame says so.
    pub(crate) continuation: bool,
    /// Chunk bodies; a chunk's `seq` is its index.
    chunks: RefCell<Vec<String>>,
    /// Connections that get live chunks: those open when it started, and
    /// those that acknowledged a resume since.
    recipients: RefCell<HashSet<String>>,
    /// Connections told of the stream that have not acknowledged it yet.
    parked: RefCell<HashSet<String>>,
    pub(crate) builder: RefCell<MessageBuilder>,
    cancelled: Cell<bool>,
    /// Cleared while it ran: nothing is stored.
    pub(crate) cleared: Cell<bool>,
    /// An `error` chunk was streamed.
    pub(crate) failed: Cell<bool>,
    pub(crate) finish_reason: RefCell<Option<String>>,
    waker: RefCell<Option<Waker>>,
    send: SendTo,
    /// The terminal frame, once sent (kept for a late acknowledgement).
    last: RefCell<Option<Value>>,
}

impl LiveStream {
    pub(crate) fn new(
        request_id: &str,
        builder: MessageBuilder,
        continuation: bool,
        recipients: HashSet<String>,
        send: SendTo,
    ) -> Self {
        LiveStream {
            request_id: request_id.to_owned(),
            continuation,
            chunks: RefCell::default(),
            recipients: RefCell::new(recipients),
            parked: RefCell::default(),
            builder: RefCell::new(builder),
            cancelled: Cell::new(false),
            cleared: Cell::new(false),
            failed: Cell::new(false),
            finish_reason: RefCell::default(),
            waker: RefCell::default(),
            send,
            last: RefCell::default(),
        }
    }

    /// Applies a chunk to the message and sends it live; nothing once
    /// cancelled. `Err` for a chunk out of order (see [`MessageBuilder::apply`]).
    pub(crate) fn emit(&self, chunk: &Value) -> Result<(), String> {
        if self.cancelled.get() {
            return Ok(());
        }
        self.builder.borrow_mut().apply(chunk)?;
        if chunk.get("type").and_then(Value::as_str) == Some("error") {
            self.failed.set(true);
        }
        let body = chunk.to_string();
        let seq = {
            let mut chunks = self.chunks.borrow_mut();
            chunks.push(body);
            chunks.len() as u64 - 1
        };
        let frame = chunk_frame(&self.request_id, &self.chunks.borrow()[seq as usize], seq, self.continuation);
        (self.send)(&frame, &self.recipients.borrow());
        Ok(())
    }

    /// Stops live chunks to a connection until it acknowledges a resume.
    pub(crate) fn park(&self, connection: &str) {
        self.recipients.borrow_mut().remove(connection);
        self.parked.borrow_mut().insert(connection.to_owned());
    }

    /// Whether a connection was told of this stream and has not
    /// acknowledged it.
    pub(crate) fn is_parked(&self, connection: &str) -> bool {
        self.parked.borrow().contains(connection)
    }

    /// Replays every chunk so far to a connection that acknowledged, then
    /// makes it a live recipient. Nothing is awaited in between, so it
    /// misses nothing and gets nothing twice.
    pub(crate) fn replay_to(&self, connection: &str) {
        if self.recipients.borrow().contains(connection) {
            return;
        }
        let one: HashSet<String> = [connection.to_owned()].into();
        self.replay_chunks(&one);
        match self.last.borrow().as_ref() {
            None => (self.send)(&replay_complete_frame(&self.request_id, self.continuation), &one),
            Some(last) => {
                let mut frame = last.clone();
                frame["replay"] = true.into();
                (self.send)(&frame.to_string(), &one);
            }
        }
        self.parked.borrow_mut().remove(connection);
        self.recipients.borrow_mut().insert(connection.to_owned());
    }

    fn replay_chunks(&self, to: &HashSet<String>) {
        for (seq, body) in self.chunks.borrow().iter().enumerate() {
            (self.send)(&replay_frame(&self.request_id, body, seq as u64, self.continuation), to);
        }
    }

    /// Sends the terminal frame to the live recipients and `also` (but not
    /// to a connection that has yet to acknowledge: it gets the whole stream
    /// replayed with this frame when it does), and keeps it.
    pub(crate) fn send_final(&self, frame: Value, also: &[String]) {
        let mut to = self.recipients.borrow().clone();
        to.extend(also.iter().filter(|c| !self.is_parked(c)).cloned());
        (self.send)(&frame.to_string(), &to);
        *self.last.borrow_mut() = Some(frame);
    }

    /// Stops the turn: its hook is dropped at its next wait.
    pub(crate) fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// Resolves when the turn is cancelled.
    pub(crate) fn cancelled(&self) -> impl Future<Output = ()> + '_ {
        Cancelled(self)
    }
}

struct Cancelled<'a>(&'a LiveStream);

impl Future for Cancelled<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0.cancelled.get() {
            return Poll::Ready(());
        }
        *self.0.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Turns run one at a time, roughly in the order they arrived (the
/// reference's default `messageConcurrency: "queue"`): waiters are woken in
/// arrival order and the first to run takes the turn.
#[derive(Default)]
pub(crate) struct TurnQueue {
    busy: Cell<bool>,
    waiting: RefCell<VecDeque<Waker>>,
}

/// The turn runs while this is held.
pub(crate) struct TurnSlot<'a>(&'a TurnQueue);

impl Drop for TurnSlot<'_> {
    fn drop(&mut self) {
        self.0.busy.set(false);
        let waiting: Vec<Waker> = self.0.waiting.borrow_mut().drain(..).collect();
        for waker in waiting {
            waker.wake();
        }
    }
}

impl TurnQueue {
    /// Waits for the turn running now (and those woken before this one).
    pub(crate) fn acquire(&self) -> impl Future<Output = TurnSlot<'_>> + '_ {
        Acquire(self)
    }
}

struct Acquire<'a>(&'a TurnQueue);

impl<'a> Future for Acquire<'a> {
    type Output = TurnSlot<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<TurnSlot<'a>> {
        let queue = self.0;
        if !queue.busy.get() {
            queue.busy.set(true);
            return Poll::Ready(TurnSlot(queue));
        }
        queue.waiting.borrow_mut().push_back(cx.waker().clone());
        Poll::Pending
    }
}
