//! Adapts an [`Agent`] to a Durable Object: WebSocket accept and frames,
//! HTTP requests, alarms. The `export_agent!` macro forwards the runtime's
//! events here.

pub(crate) mod caller;
pub(crate) mod eager;
pub(crate) mod js_text;
pub(crate) mod panic;
pub(crate) mod parts;

use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::JsString;
use worker::{Env, Request, Response, WebSocket, WebSocketIncomingMessage, WebSocketPair};

use crate::connection::MAX_CONNECTION_ID_BYTES;
use crate::host::eager::run_at_once;
use crate::host::js_text::text_of;
use crate::host::panic::{catch_panic, catch_panic_sync};
use crate::host::parts::Fetch;
use crate::protocol::dispatch::{peek_head, refuse_oversized, Head};
use crate::protocol::frames::{identity_frame, mcp_servers_frame, state_error_frame};
use crate::router::path::{query_param, url_query};
use crate::{Agent, Connection, Context, Error, Message};

/// The Durable Object side of one agent instance.
///
/// `AssertUnwindSafe`: the wasm-bindgen export must be unwind safe. Every
/// hook runs under `catch_panic`, and the framework's own cells hold whole
/// values swapped in one step, so a caught panic leaves them consistent.
pub struct Host<A: Agent> {
    ctx: AssertUnwindSafe<std::result::Result<Rc<Context<A>>, String>>,
}

impl<A: Agent> Host<A> {
    /// Builds the instance for one wake and runs the parts' start hooks and
    /// then `on_start` before any event is delivered.
    pub fn new(state: worker::State, env: Env) -> Self {
        crate::host::panic::install_hook();
        let ctx = match catch_panic_sync(|| Context::<A>::new(state, env)) {
            Ok(Ok(ctx)) => ctx.into_rc(),
            Ok(Err(e)) => return Host { ctx: AssertUnwindSafe(Err(format!("agent failed to start: {e}"))) },
            Err(panic) => {
                return Host { ctx: AssertUnwindSafe(Err(format!("agent panicked while starting: {panic}"))) }
            }
        };
        if !ctx.is_dormant() {
            let starting = ctx.clone();
            let _gate = ctx.durable_object().block_concurrency_while(async move {
                start(&starting).await;
                Ok(())
            });
        }
        Host { ctx: AssertUnwindSafe(Ok(ctx)) }
    }

    fn context(&self) -> worker::Result<&Rc<Context<A>>> {
        self.ctx.as_ref().map_err(|e| worker::Error::RustError(e.clone()))
    }

    /// Handles an HTTP request: a WebSocket upgrade, else the first part that
    /// claims it (internal RPC, MCP), else `on_request`.
    pub async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let ctx = match self.context() {
            Ok(ctx) => ctx,
            Err(e) => return Response::error(crate::error::internal(&format!("[{}]", A::CLASS_NAME), &e), 500),
        };
        if ctx.is_dormant() && !ctx.parts.serves_dormant(&req) {
            if let Err(e) = ctx.awaken().await {
                return Response::error(ctx.internal_error("agent failed to start", &e), 500);
            }
        }
        if is_websocket_upgrade(&req)? {
            return self.accept(ctx, req).await;
        }
        let req = match ctx.parts.fetch(ctx, req).await {
            Fetch::Answered(response) => return response,
            Fetch::Pass(req) => req,
        };
        match catch_panic(ctx.agent().on_request(ctx, req)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => match crate::error::http_answer(&error) {
                Some((status, told)) => Response::error(told, status),
                None => {
                    ctx.agent().on_error(ctx, None, &error).await;
                    Response::error(ctx.internal_error("on_request failed", &error), 500)
                }
            },
            Err(panic) => Response::error(ctx.internal_error("on_request panicked", &panic), 500),
        }
    }

    async fn accept(&self, ctx: &Rc<Context<A>>, req: Request) -> worker::Result<Response> {
        let url = req.inner().url();
        let id = match query_param(url_query(&url), "_pk") {
            Some(id) if id.is_empty() || id.len() > MAX_CONNECTION_ID_BYTES => {
                return Response::error(format!("Invalid _pk: must be 1 to {MAX_CONNECTION_ID_BYTES} bytes"), 400);
            }
            Some(id) => id,
            None => crate::ids::uuid_v4(),
        };
        let pair = WebSocketPair::new()?;
        let connection = Connection::new(pair.server, id, crate::Auth::header_of(&req));
        let prepared = catch_panic_sync(|| {
            let readonly = ctx.agent().should_connection_be_readonly(ctx, &connection, &req);
            let tags = ctx.agent().connection_tags(ctx, &connection, &req);
            (readonly, tags)
        });
        let (readonly, extra_tags) = match prepared {
            Ok(prepared) => prepared,
            Err(panic) => {
                return Response::error(ctx.internal_error("connection setup panicked", &panic), 500);
            }
        };
        let mut tags: Vec<&str> = vec![connection.id()];
        tags.extend(extra_tags.iter().map(String::as_str).filter(|t| !t.is_empty() && t.len() <= 256).take(9));
        ctx.durable_object().accept_websocket_with_tags(connection.socket(), &tags);
        if readonly {
            connection.mark_readonly();
        }
        if let Err(e) = connection.store() {
            // The attachment holds the id, flags and the caller's `Auth`: a
            // token whose props are too large for it (16 KiB) cannot connect.
            let _ = connection.close(1011, "connection setup failed");
            return Response::error(ctx.internal_error("connection setup failed", &e), 500);
        }
        send_connect_frames(ctx, &connection)?;
        let hook = ctx.agent().on_connect(ctx, &connection, &req);
        run_connection_hook(ctx, &connection, "on_connect", hook).await;
        Response::from_websocket(pair.client)
    }

    /// Handles a frame as the runtime hands it over (a string or an
    /// `ArrayBuffer`): large strings are moved into Rust natively, and the
    /// frame is handled at once; the runtime gets a promise only when the
    /// handling has to wait (see `eager`).
    #[doc(hidden)]
    pub fn websocket_message_js(&self, ws: WebSocket, message: JsValue) -> std::result::Result<JsValue, JsValue> {
        let ctx = self.context().map_err(JsValue::from)?.clone();
        let limit = A::MAX_MESSAGE_BYTES;
        // A frame whose length alone shows it is over the limit is refused
        // before it is copied out of the runtime: UTF-8 needs at least a byte
        // for each UTF-16 unit.
        let message = match message.dyn_ref::<JsString>() {
            Some(text) if text.length() as usize > limit => {
                let head = text_of(&text.slice(0, HEAD_UNITS));
                let error = format!("Message too large: at least {} bytes (limit {limit})", text.length());
                return refuse_at_once(&ctx, ws, &peek_head(&head), &error);
            }
            Some(text) => WebSocketIncomingMessage::String(text_of(text)),
            None => {
                let bytes = worker::js_sys::Uint8Array::new(&message);
                if bytes.length() as usize > limit {
                    let error = format!("Message too large: {} bytes (limit {limit})", bytes.length());
                    return refuse_at_once(&ctx, ws, &Head::default(), &error);
                }
                WebSocketIncomingMessage::Binary(bytes.to_vec())
            }
        };
        run_at_once(async move { on_frame(&ctx, ws, message).await })
    }

    /// Handles a connection's close.
    pub async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        was_clean: bool,
    ) -> worker::Result<()> {
        let ctx = self.context()?;
        let connection = Connection::from_socket(ws);
        let code = u16::try_from(code).unwrap_or(1006);
        let hook = ctx.agent().on_close(ctx, &connection, code, &reason, was_clean);
        run_connection_hook(ctx, &connection, "on_close", hook).await;
        // Complete the closing handshake; codes that may not be sent become 1000.
        let reply = if (1000..=4999).contains(&code) && ![1005, 1006, 1015].contains(&code) { code } else { 1000 };
        let _ = connection.socket().close(Some(reply), Some(reason));
        Ok(())
    }

    /// Handles a socket error.
    pub async fn websocket_error(&self, ws: WebSocket, error: worker::Error) -> worker::Result<()> {
        let ctx = self.context()?;
        let connection = Connection::from_socket(ws);
        ctx.agent().on_error(ctx, Some(&connection), &Error::Worker(error)).await;
        Ok(())
    }

    /// Handles the Durable Object alarm.
    pub async fn alarm(&self) -> worker::Result<Response> {
        let ctx = self.context()?;
        if ctx.is_dormant() {
            // An erased instance's alarm was deleted with it: nothing is due.
            return Response::ok("");
        }
        ctx.parts.alarm(ctx).await;
        Response::ok("")
    }
}

/// How much of an oversized frame is read to tell what it is.
const HEAD_UNITS: u32 = 1024;

fn refuse_at_once<A: Agent>(
    ctx: &Context<A>,
    ws: WebSocket,
    head: &Head,
    error: &str,
) -> std::result::Result<JsValue, JsValue> {
    refuse_oversized(ctx, &Connection::from_socket(ws), head, error);
    Ok(JsValue::UNDEFINED)
}

/// The parts' start hooks, then the agent's `on_start`: before any event of a wake.
pub(crate) async fn start<A: Agent>(ctx: &Rc<Context<A>>) {
    ctx.parts.start(ctx).await;
    let outcome = catch_panic(ctx.agent().on_start(ctx)).await;
    report(ctx, None, outcome, "on_start").await;
}

/// Whether `req` asks to become a WebSocket (`Upgrade: websocket`).
pub(crate) fn is_websocket_upgrade(req: &Request) -> worker::Result<bool> {
    Ok(req.headers().get("upgrade")?.is_some_and(|u| u.eq_ignore_ascii_case("websocket")))
}

/// Handles a frame from a client: the parts' frames (state, RPC), else `on_message`.
async fn on_frame<A: Agent>(
    ctx: &Rc<Context<A>>,
    ws: WebSocket,
    message: WebSocketIncomingMessage,
) -> worker::Result<()> {
    let connection = Connection::from_socket(ws);
    let text = match message {
        WebSocketIncomingMessage::String(text) => text,
        WebSocketIncomingMessage::Binary(bytes) => {
            let hook = ctx.agent().on_message(ctx, &connection, Message::Binary(bytes));
            run_connection_hook(ctx, &connection, "on_message", hook).await;
            return Ok(());
        }
    };
    if let Some(text) = ctx.parts.frame(ctx, &connection, text).await {
        let hook = ctx.agent().on_message(ctx, &connection, Message::Text(text));
        run_connection_hook(ctx, &connection, "on_message", hook).await;
    }
    Ok(())
}

/// Identity, state, MCP servers. While the stored state does not decode,
/// the state frame is a `cf_agent_state_error` frame saying why, and the
/// identity frame says no state follows (the official clients wait for the
/// state before they are ready when it does).
fn send_connect_frames<A: Agent>(ctx: &Context<A>, connection: &Connection) -> crate::Result<()> {
    let (has_state, state) = match ctx.snapshot() {
        // An agent whose state is `()` (or null) has no state to send, as in the reference.
        Ok(snapshot) => (!snapshot.is_null, Ok(snapshot)),
        Err(Error::StateUndecodable(why)) => (false, Err(why)),
        Err(e) => return Err(e),
    };
    connection.send(&identity_frame(ctx.name(), ctx.agent_class(), has_state))?;
    match state {
        Ok(snapshot) if has_state => connection.send_js(&snapshot.frame)?,
        Ok(_) => {}
        Err(why) => connection.send(&state_error_frame(&why))?,
    }
    #[cfg(feature = "mcp")]
    if let Some(frame) = crate::mcp::client::connect_frame(ctx)? {
        return connection.send(&frame);
    }
    connection.send(mcp_servers_frame())
}

/// Runs a connection's hook as that connection's work (`Caller`), with a
/// panic caught and an error handed to `on_error`.
async fn run_connection_hook<A: Agent>(
    ctx: &Context<A>,
    connection: &Connection,
    hook: &str,
    work: impl std::future::Future<Output = crate::Result<()>>,
) {
    let outcome = ctx.caller.run(connection, catch_panic(work)).await;
    report(ctx, Some(connection), outcome, hook).await;
}

async fn report<A: Agent>(
    ctx: &Context<A>,
    connection: Option<&Connection>,
    outcome: std::result::Result<crate::Result<()>, String>,
    hook: &str,
) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => ctx.agent().on_error(ctx, connection, &e).await,
        Err(panic) => worker::console_error!("[{}/{}] {hook} panicked: {panic}", ctx.agent_class(), ctx.name()),
    }
}

impl<A: Agent> std::fmt::Debug for Host<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host").field("class", &A::CLASS_NAME).finish_non_exhaustive()
    }
}
