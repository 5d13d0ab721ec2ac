//! Requests the server sent to the client (sampling, elicitation), waiting
//! for the client's response, which arrives in a later POST.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};

use serde_json::Value;

use super::jsonrpc::RpcError;

type Outcome = Result<Value, RpcError>;

#[derive(Default)]
struct Slot {
    outcome: RefCell<Option<Outcome>>,
    waker: RefCell<Option<Waker>>,
}

/// The server's requests awaiting an answer, by id.
#[derive(Default)]
pub(crate) struct PendingRequests {
    next: Cell<u64>,
    slots: RefCell<HashMap<String, Rc<Slot>>>,
}

impl PendingRequests {
    /// A new request id and the future of its answer.
    pub(crate) fn register(self: &Rc<Self>) -> (Value, Answer) {
        let n = self.next.replace(self.next.get() + 1);
        let id = format!("srv-{n}");
        let slot = Rc::new(Slot::default());
        self.slots.borrow_mut().insert(id.clone(), slot.clone());
        (Value::String(id.clone()), Answer { slot, id, pending: self.clone() })
    }

    /// Delivers the client's answer. `false`: no such request is waiting.
    pub(crate) fn resolve(&self, id: &Value, outcome: Outcome) -> bool {
        let Some(slot) = id.as_str().and_then(|id| self.slots.borrow_mut().remove(id)) else {
            return false;
        };
        *slot.outcome.borrow_mut() = Some(outcome);
        if let Some(waker) = slot.waker.borrow_mut().take() {
            waker.wake();
        }
        true
    }
}

/// The answer to one server request.
pub(crate) struct Answer {
    slot: Rc<Slot>,
    id: String,
    pending: Rc<PendingRequests>,
}

impl Future for Answer {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Outcome> {
        match self.slot.outcome.borrow_mut().take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                *self.slot.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        // Given up (timeout, cancellation): forget the request.
        self.pending.slots.borrow_mut().remove(&self.id);
    }
}
