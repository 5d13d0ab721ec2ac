//! The stream of the turn running in this wake: who receives it live, the
//! assistant message it builds, and its cancellation. Its chunks are stored
//! (`streams`) before they are sent, and a resuming client's replay reads
//! them back.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use serde_json::Value;

use super::messages::MessageBuilder;
use super::streams;
use super::wire::{chunk_frame, ended_frame, replay_complete_frame, replay_frame};
use crate::storage::sql::Sql;
use crate::Connection;

/// Deltas (text, reasoning, tool input) that come within this long of the
/// last delta sent are held and sent together, each one stored first: one
/// storage commit and one wake of the sockets per window instead of per
/// chunk (the model's chunks arrive one read each). Other chunks, and the
/// first delta after a quiet window, go at once.
const DELTA_WINDOW: Duration = Duration::from_millis(10);
/// Most bytes of held chunks: past it they go at once.
const HELD_BYTES: usize = 256 * 1024;

fn is_delta(chunk: &Value) -> bool {
    matches!(chunk.get("type").and_then(Value::as_str), Some("text-delta" | "reasoning-delta" | "tool-input-delta"))
}

/// Sends a frame made once as a JS string (for several connections).
fn send_js(connection: &Connection, frame: &wasm_bindgen::JsValue) {
    if let Err(e) = connection.send_js(frame) {
        worker::console_debug!("send to {} skipped: {e}", connection.id());
    }
}

/// Sends a frame to one connection (a closed one is skipped).
pub(crate) fn send(connection: &Connection, frame: &str) {
    if let Err(e) = connection.send(frame) {
        worker::console_debug!("send to {} skipped: {e}", connection.id());
    }
}

/// One running turn's stream.
pub(crate) struct LiveStream {
    /// Itself, for the timer that sends held deltas.
    me: Weak<LiveStream>,
    pub(crate) request_id: String,
    /// A continuation (after a tool result or approval): every frame says so.
    pub(crate) continuation: bool,
    /// Where its chunks are stored (`None`: a stream rebuilt from storage,
    /// whose chunks are `kept`).
    sql: Option<Sql>,
    /// The `seq` of the next chunk.
    next_seq: Cell<u64>,
    /// The chunks, kept in memory once their rows are gone: a stream that
    /// ended before a connection told of it acknowledged, or one an
    /// eviction cut, rebuilt at the next wake.
    kept: RefCell<Option<Vec<(u64, String)>>>,
    /// Connections that get live chunks: those open when it started, and
    /// those that acknowledged a resume since.
    recipients: RefCell<Vec<Connection>>,
    /// Connections told of the stream that have not acknowledged it yet.
    parked: RefCell<HashSet<String>>,
    /// Connections whose tool result or approval started this continuation.
    pub(crate) owners: Vec<String>,
    pub(crate) builder: RefCell<MessageBuilder>,
    cancelled: Cell<bool>,
    /// Cleared while it ran: nothing is stored.
    pub(crate) cleared: Cell<bool>,
    /// An `error` chunk was streamed.
    pub(crate) failed: Cell<bool>,
    pub(crate) finish_reason: RefCell<Option<String>>,
    waker: RefCell<Option<Waker>>,
    /// Chunks applied but not yet stored and sent (see [`DELTA_WINDOW`]),
    /// with their bytes.
    held: RefCell<Vec<(u64, String)>>,
    held_bytes: Cell<usize>,
    /// When a delta was last sent (ms since the epoch).
    last_delta_ms: Cell<f64>,
    /// A timer will send the held chunks.
    timer_armed: Cell<bool>,
    /// Held chunks the timer could not store: the stream fails at its next chunk.
    store_failure: RefCell<Option<String>>,
    /// The terminal frame, once sent (kept for a late acknowledgement).
    last: RefCell<Option<Value>>,
}

impl LiveStream {
    /// A stream that starts; its row is stored already (`streams::begin`)
    /// and its chunks go to `sql`.
    pub(crate) fn new(
        request_id: &str,
        builder: MessageBuilder,
        continuation: bool,
        recipients: Vec<Connection>,
        owners: Vec<String>,
        sql: Option<Sql>,
    ) -> Rc<Self> {
        Rc::new_cyclic(|me| LiveStream {
            me: me.clone(),
            request_id: request_id.to_owned(),
            continuation,
            sql,
            next_seq: Cell::new(0),
            kept: RefCell::default(),
            recipients: RefCell::new(recipients),
            parked: RefCell::default(),
            owners,
            builder: RefCell::new(builder),
            cancelled: Cell::new(false),
            cleared: Cell::new(false),
            failed: Cell::new(false),
            finish_reason: RefCell::default(),
            waker: RefCell::default(),
            held: RefCell::default(),
            held_bytes: Cell::new(0),
            last_delta_ms: Cell::new(f64::NEG_INFINITY),
            timer_armed: Cell::new(false),
            store_failure: RefCell::default(),
            last: RefCell::default(),
        })
    }

    /// A stream an eviction cut, rebuilt from its stored chunks: it is over
    /// (`last` is its terminal frame), and a probing client gets it replayed.
    pub(crate) fn orphan(
        request_id: &str,
        builder: MessageBuilder,
        continuation: bool,
        chunks: Vec<(u64, String)>,
        last: Value,
    ) -> Rc<Self> {
        let orphan = LiveStream::new(request_id, builder, continuation, Vec::new(), Vec::new(), None);
        orphan.next_seq.set(chunks.last().map_or(0, |(seq, _)| seq + 1));
        *orphan.kept.borrow_mut() = Some(chunks);
        *orphan.last.borrow_mut() = Some(last);
        orphan
    }

    /// Applies a chunk to the message, then stores and sends it live (a
    /// delta may be held a moment and go with the next ones: see
    /// [`DELTA_WINDOW`]; it is always stored before it is sent); nothing
    /// once cancelled. `Err` for a chunk out of order (see
    /// [`MessageBuilder::apply`]) or when chunks could not be stored (they
    /// are then not sent).
    pub(crate) fn emit(&self, chunk: &Value) -> Result<(), String> {
        if self.cancelled.get() {
            return Ok(());
        }
        if let Some(error) = self.store_failure.borrow().clone() {
            return Err(error);
        }
        self.builder.borrow_mut().apply(chunk)?;
        if chunk.get("type").and_then(Value::as_str) == Some("error") {
            self.failed.set(true);
        }
        let body = chunk.to_string();
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        self.held_bytes.set(self.held_bytes.get() + body.len());
        self.held.borrow_mut().push((seq, body));
        if !is_delta(chunk) {
            return self.flush();
        }
        let now = worker::js_sys::Date::now();
        let window = DELTA_WINDOW.as_secs_f64() * 1000.0;
        if now - self.last_delta_ms.get() >= window || self.held_bytes.get() >= HELD_BYTES {
            self.last_delta_ms.set(now);
            return self.flush();
        }
        self.arm_timer(window - (now - self.last_delta_ms.get()));
        Ok(())
    }

    /// Sends the held chunks once the window is over, unless they went before.
    fn arm_timer(&self, wait_ms: f64) {
        if self.timer_armed.replace(true) {
            return;
        }
        let me = self.me.clone();
        let wait = Duration::from_secs_f64((wait_ms.max(1.0)) / 1000.0);
        worker::wasm_bindgen_futures::spawn_local(async move {
            worker::Delay::from(wait).await;
            if let Some(live) = me.upgrade() {
                live.timer_armed.set(false);
                live.last_delta_ms.set(worker::js_sys::Date::now());
                if let Err(e) = live.flush() {
                    worker::console_error!("chat stream {}: {e}", live.request_id);
                    *live.store_failure.borrow_mut() = Some(e);
                }
            }
        });
    }

    /// Stores the held chunks (all in this one turn of the event loop: one
    /// commit), then sends their frames in order. `Err` when they could not
    /// be stored: none of them is sent.
    pub(crate) fn flush(&self) -> Result<(), String> {
        let held = std::mem::take(&mut *self.held.borrow_mut());
        self.held_bytes.set(0);
        if held.is_empty() {
            return Ok(());
        }
        if let Some(sql) = &self.sql {
            for (seq, body) in &held {
                streams::insert_chunk(sql, &self.request_id, *seq, body)
                    .map_err(|e| format!("the chunk could not be stored: {e}"))?;
            }
        }
        let recipients = self.recipients.borrow();
        for (seq, body) in &held {
            let frame = wasm_bindgen::JsValue::from_str(&chunk_frame(&self.request_id, body, *seq, self.continuation));
            for connection in recipients.iter() {
                send_js(connection, &frame);
            }
        }
        Ok(())
    }

    /// Stops live chunks to a connection until it acknowledges a resume.
    pub(crate) fn park(&self, connection: &str) {
        self.recipients.borrow_mut().retain(|c| c.id() != connection);
        self.parked.borrow_mut().insert(connection.to_owned());
    }

    /// Whether a connection was told of this stream and has not
    /// acknowledged it.
    pub(crate) fn is_parked(&self, connection: &str) -> bool {
        self.parked.borrow().contains(connection)
    }

    /// Whether this is a stream an eviction cut, rebuilt at this wake.
    pub(crate) fn is_orphan(&self) -> bool {
        self.sql.is_none()
    }

    /// Whether a probe from `connection` is offered this ended stream's
    /// replay: it was told of it and has yet to acknowledge, or the stream
    /// is one an eviction cut that nobody has been replayed yet (as the
    /// reference finishes such a stream with its first replay: later probes
    /// find the stored message in the transcript).
    pub(crate) fn offers(&self, connection: &str) -> bool {
        self.is_parked(connection) || (self.is_orphan() && self.recipients.borrow().is_empty())
    }

    /// Whether anyone was told of this stream and has yet to acknowledge.
    pub(crate) fn has_parked(&self) -> bool {
        !self.parked.borrow().is_empty()
    }

    /// Whether a connection gets the live chunks.
    fn is_recipient(&self, connection: &str) -> bool {
        self.recipients.borrow().iter().any(|c| c.id() == connection)
    }

    /// Replays every chunk so far (read from storage, each with its `seq`)
    /// to a connection that acknowledged, then makes it a live recipient.
    /// Nothing is awaited in between, so it misses nothing and gets nothing
    /// twice.
    pub(crate) fn replay_to(&self, connection: &Connection) {
        if self.is_recipient(connection.id()) {
            return;
        }
        let chunks = match (self.kept.borrow().clone(), &self.sql) {
            (Some(kept), _) => Ok(kept),
            (None, Some(sql)) => streams::chunks(sql, &self.request_id).map_err(|e| e.to_string()),
            (None, None) => Ok(Vec::new()),
        };
        let chunks = match chunks {
            Ok(chunks) => chunks,
            Err(e) => {
                worker::console_error!("chat replay of {}: {e}", self.request_id);
                return send(connection, &ended_frame(&self.request_id));
            }
        };
        for (seq, body) in &chunks {
            send(connection, &replay_frame(&self.request_id, body, *seq, self.continuation));
        }
        match self.last.borrow().as_ref() {
            None => send(connection, &replay_complete_frame(&self.request_id, self.continuation)),
            Some(last) => {
                let mut frame = last.clone();
                frame["replay"] = true.into();
                send(connection, &frame.to_string());
            }
        }
        self.parked.borrow_mut().remove(connection.id());
        self.recipients.borrow_mut().push(connection.handle());
    }

    /// Reads the stored chunks into memory, for a connection that has yet
    /// to acknowledge once the rows are deleted with the stream.
    pub(crate) fn keep_chunks(&self) {
        if let (Some(sql), true) = (&self.sql, self.has_parked()) {
            match streams::chunks(sql, &self.request_id) {
                Ok(chunks) => *self.kept.borrow_mut() = Some(chunks),
                Err(e) => worker::console_error!("chat stream {}: {e}", self.request_id),
            }
        }
    }

    /// Sends the terminal frame to the live recipients and `also` (but not
    /// to a connection that has yet to acknowledge: it gets the whole stream
    /// replayed with this frame when it does), and keeps it.
    pub(crate) fn send_final(&self, frame: Value, also: &[Connection]) {
        let text = frame.to_string();
        for connection in self.recipients.borrow().iter() {
            send(connection, &text);
        }
        for connection in also {
            if !self.is_parked(connection.id()) && !self.is_recipient(connection.id()) {
                send(connection, &text);
            }
        }
        *self.last.borrow_mut() = Some(frame);
    }

    /// Stops the turn: its hook is dropped at its next wait. Held chunks
    /// go first (the stored message keeps exactly what was streamed).
    pub(crate) fn cancel(&self) {
        if let Err(e) = self.flush() {
            worker::console_error!("chat stream {}: {e}", self.request_id);
        }
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
    /// Whether a turn runs or waits.
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.get() || !self.waiting.borrow().is_empty()
    }

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
