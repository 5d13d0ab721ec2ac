//! Server-Sent Events: framing (pure, tested natively) and the streaming
//! response body an MCP session writes messages into.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use futures_util::Stream;

/// One SSE event. Multi-line data becomes one `data:` line per line.
pub fn event(name: Option<&str>, id: Option<&str>, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 32);
    if let Some(name) = name {
        out.push_str("event: ");
        out.push_str(name);
        out.push('\n');
    }
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A comment line: ignored by clients, keeps idle connections open.
pub fn comment(text: &str) -> String {
    format!(": {text}\n\n")
}

/// Whether an `Accept` header value admits `mime` (exactly, `type/*` or `*/*`).
pub fn accepts(accept: &str, mime: &str) -> bool {
    let major = mime.split('/').next().unwrap_or("");
    accept.split(',').map(|item| item.split(';').next().unwrap_or("").trim()).any(|item| {
        item.eq_ignore_ascii_case(mime) || item == "*/*" || item.strip_suffix("/*").is_some_and(|m| m == major)
    })
}

/// The queue between the code producing messages and the body sending them.
#[derive(Default)]
pub(crate) struct Outbox {
    queue: RefCell<VecDeque<String>>,
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
        self.queue.borrow_mut().push_back(chunk);
        self.wake();
        true
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
        if let Some(chunk) = this.outbox.queue.borrow_mut().pop_front() {
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
    fn frames_events() {
        assert_eq!(event(Some("message"), None, "{\"a\":1}"), "event: message\ndata: {\"a\":1}\n\n");
        assert_eq!(event(None, Some("7"), "a\nb"), "id: 7\ndata: a\ndata: b\n\n");
        assert_eq!(
            event(Some("endpoint"), None, "/sse/message?sessionId=x"),
            "event: endpoint\ndata: /sse/message?sessionId=x\n\n"
        );
        assert_eq!(comment("keep-alive"), ": keep-alive\n\n");
    }

    #[test]
    fn reads_accept_headers() {
        let both = "application/json, text/event-stream";
        assert!(accepts(both, "application/json") && accepts(both, "text/event-stream"));
        assert!(accepts("text/event-stream;q=0.9", "text/event-stream"));
        assert!(accepts("*/*", "application/json"));
        assert!(accepts("application/*", "application/json"));
        assert!(!accepts("application/json", "text/event-stream"));
        assert!(!accepts("", "application/json"));
    }

    #[test]
    fn outbox_refuses_after_close_or_reader_gone() {
        let outbox = Outbox::default();
        assert!(outbox.push("a".into()));
        outbox.close();
        assert!(!outbox.push("b".into()));
        assert!(!outbox.is_open());
    }
}
