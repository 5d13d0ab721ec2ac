//! A streaming `text/event-stream` body: producers queue framed events in
//! an [`Outbox`], the runtime reads them from an [`SseBody`], with keep-alive
//! comments while idle.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use futures_util::Stream;

use super::framing::comment;

/// Most bytes queued for a reader that does not keep up. Past it the
/// reader is dropped (the body ends, the queue is freed, producers are told
/// it is gone): a client that stops reading cannot make the instance hold a
/// stream without end. MCP streams are stored, so that client resumes with
/// `Last-Event-ID`.
pub(crate) const MAX_QUEUED_BYTES: usize = 8 * 1024 * 1024;

/// The queue between the code producing messages and the body sending them.
#[derive(Default)]
pub(crate) struct Outbox {
    queue: RefCell<VecDeque<String>>,
    queued: Cell<usize>,
    waker: RefCell<Option<Waker>>,
    closed: Cell<bool>,
    gone: Cell<bool>,
}

impl Outbox {
    /// Queues an already framed chunk. Returns false when the reader is gone.
    pub(crate) fn push(&self, chunk: String) -> bool {
        if self.gone.get() || self.closed.get() {
            return false;
        }
        let queued = self.queued.get() + chunk.len();
        if queued > MAX_QUEUED_BYTES {
            self.drop_reader();
            return false;
        }
        self.queued.set(queued);
        self.queue.borrow_mut().push_back(chunk);
        self.wake();
        true
    }

    /// Gives up on a reader that does not keep up.
    fn drop_reader(&self) {
        self.queue.borrow_mut().clear();
        self.queued.set(0);
        self.gone.set(true);
        self.closed.set(true);
        self.wake();
    }

    fn pop(&self) -> Option<String> {
        let chunk = self.queue.borrow_mut().pop_front()?;
        self.queued.set(self.queued.get().saturating_sub(chunk.len()));
        Some(chunk)
    }

    /// Ends the body once the queue is drained.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.wake();
    }

    /// Whether a reader is still attached and the body not closed.
    pub(crate) fn is_open(&self) -> bool {
        !self.gone.get() && !self.closed.get()
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// A response body: the chunks of an [`Outbox`], with keep-alive comments when idle.
pub(crate) struct SseBody {
    outbox: Rc<Outbox>,
    keep_alive: Duration,
    timer: Option<Pin<Box<worker::Delay>>>,
}

impl SseBody {
    pub(crate) fn new(outbox: Rc<Outbox>, keep_alive: Duration) -> Self {
        SseBody { outbox, keep_alive, timer: None }
    }
}

impl Stream for SseBody {
    type Item = Result<Vec<u8>, worker::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(chunk) = this.outbox.pop() {
            this.timer = None;
            return Poll::Ready(Some(Ok(chunk.into_bytes())));
        }
        if this.outbox.closed.get() {
            return Poll::Ready(None);
        }
        *this.outbox.waker.borrow_mut() = Some(cx.waker().clone());
        let keep_alive = this.keep_alive;
        let timer = this.timer.get_or_insert_with(|| Box::pin(worker::Delay::from(keep_alive)));
        if timer.as_mut().poll(cx).is_ready() {
            this.timer = None;
            return Poll::Ready(Some(Ok(comment("keep-alive").into_bytes())));
        }
        Poll::Pending
    }
}

impl Drop for SseBody {
    fn drop(&mut self) {
        // The client went away (or the body ended): producers stop queueing.
        self.outbox.gone.set(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_refuses_after_close_or_reader_gone() {
        let outbox = Outbox::default();
        assert!(outbox.push("a".into()));
        outbox.close();
        assert!(!outbox.push("b".into()));
        assert!(!outbox.is_open());
    }

    #[test]
    fn a_reader_that_does_not_keep_up_is_dropped_not_buffered_for_ever() {
        let outbox = Outbox::default();
        let chunk = "x".repeat(1024 * 1024);
        for _ in 0..MAX_QUEUED_BYTES / chunk.len() {
            assert!(outbox.push(chunk.clone()));
        }
        // Reading makes room again.
        assert!(outbox.pop().is_some());
        assert!(outbox.push(chunk.clone()));
        assert!(!outbox.push(chunk.clone()), "one more megabyte is over the limit");
        assert!(!outbox.is_open());
        assert_eq!((outbox.queue.borrow().len(), outbox.queued.get()), (0, 0), "the queue is freed");
        assert!(!outbox.push("small".into()));
    }
}
