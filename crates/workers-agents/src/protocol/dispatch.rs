//! Frames from clients: state pushes and RPC calls, answered with the
//! official clients' frames.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;

use serde_json::Value;

use super::frames::{
    parse_incoming, rpc_error_frame, rpc_result_frame, state_error_frame, Incoming, RpcRequest, STATE_REJECTED_ERROR,
};
pub(crate) use super::frames::{peek_head, Head};
use crate::host::panic::{catch_panic, catch_panic_sync};
use crate::rpc::callables::{Handler, Outcome, StreamingResponse};
use crate::{Agent, Connection, Context};

/// Handles a text frame: state and RPC frames here (`None`); anything else
/// is handed back for `on_message`. Frames over `Agent::MAX_MESSAGE_BYTES`
/// are refused before they are parsed, with the error frame that fits their
/// kind (read from their first fields alone).
pub(super) async fn frame<A: Agent>(ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
    if text.len() > A::MAX_MESSAGE_BYTES {
        let error = format!("Message too large: {} bytes (limit {})", text.len(), A::MAX_MESSAGE_BYTES);
        refuse_oversized(ctx, connection, &peek_head(&text), &error);
        return None;
    }
    match parse_incoming(&text) {
        Incoming::State(state) => match catch_panic_sync(|| ctx.apply_client_state(connection, state)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => ctx.agent().on_error(ctx, Some(connection), &e).await,
            Err(panic) => {
                worker::console_error!("[{}] state update panicked: {panic}", ctx.agent_class());
                refuse_state(ctx, connection);
            }
        },
        Incoming::Rpc(request) => {
            let running = &ctx.parts.protocol.in_flight;
            // Only calls that wait are in flight: with none waiting anywhere,
            // the connection's id (its attachment) is not read at all.
            let count = if running.borrow().is_empty() {
                0
            } else {
                running.borrow().get(connection.id()).copied().unwrap_or(0)
            };
            if count >= A::MAX_CALLS_IN_FLIGHT {
                let error = format!("Too many calls in flight on this connection (limit {})", A::MAX_CALLS_IN_FLIGHT);
                send_quietly(connection, &rpc_error_frame(&Value::String(request.id), &error));
                return None;
            }
            let work = ctx.caller.run(connection, call(ctx, connection, request));
            counted_while_waiting(running, connection, work).await;
        }
        Incoming::BadRpc { id, error } => send_quietly(connection, &rpc_error_frame(&id, &error)),
        Incoming::Other => return Some(text),
    }
    None
}

/// Runs a call, counted among its connection's calls in flight from its
/// first wait to its end (a call that answers in its first poll never is).
async fn counted_while_waiting(
    running: &RefCell<HashMap<String, usize>>,
    connection: &Connection,
    work: impl Future<Output = ()>,
) {
    let mut work = pin!(work);
    let mut counted = None;
    poll_fn(|cx| {
        let polled = work.as_mut().poll(cx);
        if polled.is_pending() && counted.is_none() {
            counted = Some(InFlight::enter(running, connection.id()));
        }
        polled
    })
    .await;
}

/// One waiting call of a connection; leaving (or being dropped) uncounts it.
struct InFlight<'a> {
    running: &'a RefCell<HashMap<String, usize>>,
    id: String,
}

impl<'a> InFlight<'a> {
    fn enter(running: &'a RefCell<HashMap<String, usize>>, id: &str) -> Self {
        *running.borrow_mut().entry(id.to_owned()).or_insert(0) += 1;
        InFlight { running, id: id.to_owned() }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut running = self.running.borrow_mut();
        match running.get_mut(&self.id) {
            Some(n) if *n > 1 => *n -= 1,
            _ => {
                running.remove(&self.id);
            }
        }
    }
}

fn send_quietly(connection: &Connection, frame: &str) {
    log_skipped(connection, connection.send(frame));
}

/// A socket that is closing refuses sends; that is not an error.
fn log_skipped(connection: &Connection, sent: crate::Result<()>) {
    if let Err(e) = sent {
        worker::console_debug!("send to {} skipped: {e}", connection.id());
    }
}

fn refuse_state<A: Agent>(ctx: &Context<A>, connection: &Connection) {
    send_quietly(connection, &state_error_frame(STATE_REJECTED_ERROR));
    log_skipped(connection, ctx.send_state(connection));
}

/// Refuses a frame too large to parse, from its head (its start): the
/// error frame that fits its kind, nothing applied.
pub(crate) fn refuse_oversized<A: Agent>(ctx: &Context<A>, connection: &Connection, head: &Head, error: &str) {
    worker::console_warn!("[{}] from {}: {error}", ctx.agent_class(), connection.id());
    match head.kind.as_deref() {
        Some("rpc") => send_quietly(connection, &rpc_error_frame(head.id.as_ref().unwrap_or(&Value::Null), error)),
        Some("cf_agent_state") => refuse_state(ctx, connection),
        _ => send_quietly(connection, &serde_json::json!({"type": "cf_agent_error", "error": error}).to_string()),
    }
}

/// Runs a callable for a WebSocket client and answers with RPC frames.
async fn call<A: Agent>(ctx: &Context<A>, connection: &Connection, request: RpcRequest) {
    let RpcRequest { id, method, args } = request;
    let stream = ctx
        .parts
        .protocol
        .callables
        .is_streaming(&method)
        .then(|| StreamingResponse::new(connection.socket().clone(), id.clone()));
    let outcome = run_callable(ctx, stream.as_ref(), &method, args).await;
    // A streaming method that ended its stream itself has answered already.
    if stream.is_some_and(|s| s.is_closed()) {
        return;
    }
    let frame = match outcome {
        Ok(result) => rpc_result_frame(&id, result.as_deref(), true),
        Err(error) => rpc_error_frame(&Value::String(id), &error),
    };
    send_quietly(connection, &frame);
}

pub(super) async fn run_callable<A: Agent>(
    ctx: &Context<A>,
    stream: Option<&StreamingResponse>,
    method: &str,
    args: Vec<Value>,
) -> Outcome {
    let handler = ctx.parts.protocol.callables.get(method).map_err(|missing| {
        if ctx.tasks().contains(method) {
            format!("Method {method} is not callable")
        } else {
            missing
        }
    })?;
    let outcome = match (handler, stream) {
        (Handler::Unary(f), _) => catch_panic(f(ctx.agent(), ctx, args)).await,
        (Handler::Streaming(f), Some(stream)) => catch_panic(f(ctx.agent(), ctx, stream.clone(), args)).await,
        (Handler::Streaming(_), None) => return Err(format!("Method {method} streams and needs a WebSocket caller")),
    };
    outcome.unwrap_or_else(|panic| Err(ctx.internal_error(&format!("method {method} panicked"), &panic)))
}
