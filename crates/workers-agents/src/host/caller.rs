//! Which client connection the agent is working for: set while a
//! connection's events are handled (its callables, `on_connect`,
//! `on_message`, `on_close`), for exactly the polls of that work. Several calls may be in flight at once
//! (each waiting on I/O); a per-poll value cannot leak from one to another,
//! which a value set for the whole call would.

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;

use futures_util::future::poll_fn;
use worker::WebSocket;

use crate::Connection;

/// The caller's socket (a cheap handle); its attachment is read only if
/// asked for.
#[derive(Default)]
pub(crate) struct Caller(RefCell<Option<Rc<WebSocket>>>);

impl Caller {
    /// The connection whose work is being polled, if any.
    pub(crate) fn current(&self) -> Option<Connection> {
        self.0.borrow().clone().map(Connection::from_shared)
    }

    /// Runs `work` with `connection` as the caller during each of its polls
    /// (and whatever was the caller before it in between).
    pub(crate) async fn run<F: Future>(&self, connection: &Connection, work: F) -> F::Output {
        let mut work = pin!(work);
        poll_fn(|cx| {
            let outer = self.0.replace(Some(connection.shared_socket().clone()));
            let polled = work.as_mut().poll(cx);
            *self.0.borrow_mut() = outer;
            polled
        })
        .await
    }
}
