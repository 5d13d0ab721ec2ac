//! The agent-instance side of the MCP transports. [`McpEndpoint`](super::McpEndpoint)
//! has already checked the HTTP request and picked this instance by session
//! id; here the session is looked up and the JSON-RPC messages answered, as
//! JSON, as an SSE response stream, or (legacy SSE) on the session's stream.

use std::cell::Cell;
use std::rc::Rc;

use serde_json::{json, Value};
use worker::{Headers, Method, Request, Response};

use super::jsonrpc::{
    allows_batches, error_response, negotiate_version, parse_body, result_response, Body, Message, RpcError,
    INVALID_PARAMS, INVALID_REQUEST, PROTOCOL_VERSIONS, SESSION_NOT_FOUND,
};
use super::peer::{LogLevel, Peer};
use super::session::{McpRuntime, Session, ACTIVE, ENDED};
use super::streams::{parse_event_id, replay, EventStream};
use crate::host::js_text::request_text;
use crate::sse::body::{Outbox, SseBody};
use crate::sse::framing::event;
use crate::{Agent, Context};

/// Header naming the transport of a request forwarded by the endpoint.
pub(crate) const MCP_HEADER: &str = "x-agents-mcp";
/// Header carrying the session id the endpoint chose or read.
pub(crate) const MCP_SESSION_HEADER: &str = "x-agents-mcp-session";
/// Header carrying the legacy SSE message path.
pub(crate) const MCP_ENDPOINT_HEADER: &str = "x-agents-mcp-endpoint";
/// Once a batch's replies pass this many bytes, its remaining requests are
/// not run (each is answered with an error).
pub const MAX_BATCH_REPLY_BYTES: usize = 4 * 1024 * 1024;
/// Most requests one session may have running at once; one more is
/// answered with an error and not run.
pub const MAX_REQUESTS_IN_FLIGHT: usize = 32;
/// Transport names in [`MCP_HEADER`].
pub(crate) const STREAMABLE: &str = "streamable-http";
pub(crate) const LEGACY_SSE: &str = "sse";

/// Handles a request the MCP endpoint forwarded to this instance.
pub(crate) async fn serve<A: Agent>(
    ctx: &Rc<Context<A>>,
    runtime: &McpRuntime<A>,
    req: Request,
) -> worker::Result<Response> {
    let transport = req.headers().get(MCP_HEADER)?.unwrap_or_default();
    let session_id = req.headers().get(MCP_SESSION_HEADER)?.unwrap_or_default();
    // A dormant instance has stored nothing: only a request that opens a
    // session wakes it; any other finds no session and writes nothing.
    let opens = matches!((transport.as_str(), req.method()), (STREAMABLE, Method::Post) | (LEGACY_SSE, Method::Get));
    if ctx.is_dormant() && !opens {
        return session_not_found();
    }
    // Who the request speaks for (the router's authenticating layer says);
    // an authenticated session is its user's alone.
    let auth = crate::Auth::from_request(&req);
    if !ctx.is_dormant() {
        if let Some(session) = Session::load(ctx.sql())?.filter(|s| s.id == session_id) {
            if session.user_id.as_deref() != auth.as_ref().map(|a| a.user_id.as_str()) {
                return session_not_found();
            }
            if let Some(auth) = &auth {
                session.keep_auth(ctx.sql(), auth)?;
            }
        }
    }
    ctx.set_auth(auth);
    match (transport.as_str(), req.method()) {
        (STREAMABLE, Method::Post) => post_streamable(ctx, runtime, session_id, req).await,
        (STREAMABLE, Method::Get) => open_standalone_stream(ctx, runtime, &session_id, &req),
        (STREAMABLE, Method::Delete) => end_session(ctx, runtime, &session_id).await,
        (LEGACY_SSE, Method::Get) => open_legacy_stream(ctx, runtime, &session_id, &req).await,
        (LEGACY_SSE, Method::Post) => post_legacy(ctx, runtime, session_id, req).await,
        _ => Response::error("Method not allowed", 405),
    }
}

pub(crate) fn json_reply(status: u16, body: &Value, session_id: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    if !session_id.is_empty() {
        headers.set("mcp-session-id", session_id)?;
    }
    Ok(Response::ok(body.to_string())?.with_status(status).with_headers(headers))
}

fn sse_reply(body: SseBody, session_id: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/event-stream")?;
    headers.set("cache-control", "no-cache")?;
    if !session_id.is_empty() {
        headers.set("mcp-session-id", session_id)?;
    }
    Ok(Response::from_stream(body)?.with_headers(headers))
}

pub(crate) fn session_not_found() -> worker::Result<Response> {
    json_reply(404, &error_response(&Value::Null, &RpcError::new(SESSION_NOT_FOUND, "Session not found")), "")
}

fn accepted() -> worker::Result<Response> {
    Ok(Response::empty()?.with_status(202))
}

async fn post_streamable<A: Agent>(
    ctx: &Rc<Context<A>>,
    runtime: &McpRuntime<A>,
    session_id: String,
    req: Request,
) -> worker::Result<Response> {
    let text = request_text(&req).await?;
    let body = match parse_body(&text) {
        Ok(body) => body,
        Err(error) => return json_reply(400, &error, ""),
    };
    if let Body::Single(Message::Request { id, method, params }) = &body {
        if method == "initialize" {
            ctx.awaken().await?;
            if Session::load(ctx.sql())?.is_some_and(|s| s.id == session_id && s.status != super::session::OPEN) {
                let error = RpcError::new(INVALID_REQUEST, "Invalid Request: session already initialized");
                return json_reply(400, &error_response(id, &error), &session_id);
            }
            Session::open(ctx.sql(), &session_id, STREAMABLE, ctx.auth().as_ref())?;
            runtime.seen_stored.set(None);
            // The session's expiry wants the alarm.
            crate::schedule::runner::rearm(ctx).await?;
            let result = initialize(ctx, runtime, params)?;
            return json_reply(200, &result_response(id, result), &session_id);
        }
    }
    if ctx.is_dormant() {
        return session_not_found();
    }
    let Some(session) = Session::load_active(ctx.sql(), &session_id)? else {
        // An answer to a server request may race the session's end; anything else is refused.
        return session_not_found();
    };
    runtime.touch(ctx.sql())?;
    if let Some(version) = req.headers().get("mcp-protocol-version")? {
        if !PROTOCOL_VERSIONS.contains(&version.as_str()) {
            let error = RpcError::new(-32000, format!("Bad Request: Unsupported protocol version: {version}"));
            return json_reply(400, &error_response(&Value::Null, &error), &session_id);
        }
    }
    let session = Rc::new(session);
    match body {
        Body::Single(Message::Request { id, method, params }) if method == "tools/call" => {
            // Tools may notify or ask the client while they run: answer on a
            // resumable stream. The call runs on its own, so it finishes (and
            // its result is stored) even if the connection goes away.
            let outbox = Rc::new(Outbox::default());
            let stream = EventStream::open(ctx.sql().clone(), outbox.clone(), true);
            runtime.streams.borrow_mut().insert(stream.id().to_owned(), stream.clone());
            let ctx = ctx.clone();
            worker::wasm_bindgen_futures::spawn_local(async move {
                if let Some(reply) = answer(&ctx, &session, &id, &method, params, Some(stream.clone())).await {
                    stream.send(&reply);
                }
                stream.finish();
                if let Some(runtime) = ctx.parts.mcp.runtime.as_ref() {
                    runtime.streams.borrow_mut().remove(stream.id());
                }
            });
            sse_reply(SseBody::new(outbox, runtime.server.keep_alive_interval()), &session_id)
        }
        Body::Single(Message::Request { id, method, params }) => {
            match answer(ctx, &session, &id, &method, params, None).await {
                Some(reply) => json_reply(200, &reply, &session_id),
                None => accepted(),
            }
        }
        Body::Single(Message::Invalid { id, error }) => json_reply(400, &error_response(&id, &error), &session_id),
        Body::Single(message) => {
            notice(runtime, message);
            accepted()
        }
        Body::Batch(messages) => {
            let version = session.protocol_version.as_deref().unwrap_or_default();
            if !allows_batches(version) {
                let message = format!("Invalid Request: protocol version {version} does not allow batches");
                return json_reply(
                    400,
                    &error_response(&Value::Null, &RpcError::new(INVALID_REQUEST, message)),
                    &session_id,
                );
            }
            let mut replies = Vec::new();
            // The reply is bounded: once it is over the limit, the requests
            // left are not run and each gets an error saying so.
            let mut reply_bytes = 0;
            for message in messages {
                match message {
                    Message::Request { id, .. } if reply_bytes > MAX_BATCH_REPLY_BYTES => {
                        let message = format!("Batch reply over {MAX_BATCH_REPLY_BYTES} bytes: request not run");
                        replies.push(error_response(&id, &RpcError::new(-32000, message)));
                    }
                    Message::Request { id, method, params } => {
                        if let Some(reply) = answer(ctx, &session, &id, &method, params, None).await {
                            reply_bytes += reply.to_string().len();
                            replies.push(reply);
                        }
                    }
                    Message::Invalid { id, error } => replies.push(error_response(&id, &error)),
                    other => notice(runtime, other),
                }
            }
            if replies.is_empty() {
                accepted()
            } else {
                json_reply(200, &Value::Array(replies), &session_id)
            }
        }
    }
}

fn initialize<A: Agent>(ctx: &Context<A>, runtime: &McpRuntime<A>, params: &Value) -> crate::Result<Value> {
    let version = negotiate_version(params.get("protocolVersion").and_then(Value::as_str));
    Session::activate(ctx.sql(), version, params.get("capabilities").unwrap_or(&Value::Null))?;
    Ok(runtime.server.initialize_result(version))
}

/// Answers one request; `None` when the client cancelled it.
async fn answer<A: Agent>(
    ctx: &Context<A>,
    session: &Session,
    id: &Value,
    method: &str,
    params: Value,
    stream: Option<Rc<EventStream>>,
) -> Option<Value> {
    let runtime = ctx.parts.mcp.runtime.as_ref()?;
    let outcome = match method {
        "initialize" => Err(RpcError::new(INVALID_REQUEST, "Invalid Request: session already initialized")),
        "logging/setLevel" => set_log_level(ctx, &params),
        "resources/subscribe" | "resources/unsubscribe" => subscription(ctx, method, &params),
        _ if runtime.in_flight.borrow().len() >= MAX_REQUESTS_IN_FLIGHT => Err(RpcError::new(
            -32000,
            format!("Too many requests in flight in this session (limit {MAX_REQUESTS_IN_FLIGHT})"),
        )),
        _ => {
            let key = id.to_string();
            let cancelled = Rc::new(Cell::new(false));
            runtime.in_flight.borrow_mut().insert(key.clone(), cancelled.clone());
            let peer = Peer {
                stream,
                pending: runtime.pending.clone(),
                progress_token: params
                    .pointer("/_meta/progressToken")
                    .filter(|t| t.is_string() || t.is_number())
                    .cloned(),
                cancelled: cancelled.clone(),
                session_id: session.id.as_str().into(),
                min_log_level: LogLevel::from_rank(session.log_level),
                client_capabilities: Rc::new(session.client_capabilities()),
            };
            let outcome = runtime.server.answer(ctx, method, &params, peer).await;
            runtime.in_flight.borrow_mut().remove(&key);
            if cancelled.get() {
                return None;
            }
            outcome
        }
    };
    Some(match outcome {
        Ok(result) => result_response(id, result),
        Err(error) => error_response(id, &error),
    })
}

fn set_log_level<A: Agent>(ctx: &Context<A>, params: &Value) -> Result<Value, RpcError> {
    let level = params.get("level").and_then(Value::as_str).unwrap_or_default();
    let Some(level) = LogLevel::parse(level) else {
        return Err(RpcError::new(INVALID_PARAMS, format!("Invalid params: unknown log level {level:?}")));
    };
    Session::set_log_level(ctx.sql(), level.rank())
        .map_err(|e| RpcError::new(super::jsonrpc::INTERNAL_ERROR, ctx.internal_error("logging/setLevel", &e)))?;
    Ok(json!({}))
}

fn subscription<A: Agent>(ctx: &Context<A>, method: &str, params: &Value) -> Result<Value, RpcError> {
    let Some(uri) = params.get("uri").and_then(Value::as_str) else {
        return Err(RpcError::new(INVALID_PARAMS, "Invalid params: uri must be a string"));
    };
    let done = if method == "resources/subscribe" {
        Session::subscribe(ctx.sql(), uri)
    } else {
        Session::unsubscribe(ctx.sql(), uri)
    };
    done.map_err(|e| RpcError::new(super::jsonrpc::INTERNAL_ERROR, ctx.internal_error(method, &e)))?;
    Ok(json!({}))
}

/// Handles a notification, or the client's answer to a server request.
fn notice<A: Agent>(runtime: &McpRuntime<A>, message: Message) {
    match message {
        Message::Notification { method, params } if method == "notifications/cancelled" => {
            if let Some(id) = params.get("requestId") {
                if let Some(flag) = runtime.in_flight.borrow().get(&id.to_string()) {
                    flag.set(true);
                }
            }
        }
        Message::Response { id, outcome } => deliver(runtime, &id, outcome),
        _ => {}
    }
}

/// Hands the client's answer to the server request waiting for it.
fn deliver<A: Agent>(runtime: &McpRuntime<A>, id: &Value, outcome: Result<Value, RpcError>) {
    if !runtime.pending.resolve(id, outcome) {
        worker::console_warn!("MCP: an answer to unknown server request {id}");
    }
}

fn open_standalone_stream<A: Agent>(
    ctx: &Context<A>,
    runtime: &McpRuntime<A>,
    session_id: &str,
    req: &Request,
) -> worker::Result<Response> {
    if Session::load_active(ctx.sql(), session_id)?.is_none() {
        return session_not_found();
    }
    runtime.touch(ctx.sql())?;
    let keep_alive = runtime.server.keep_alive_interval();
    let outbox = Rc::new(Outbox::default());
    // A reconnecting client: redeliver what it missed on that stream, then go on live.
    if let Some(last) = req.headers().get("last-event-id")? {
        let Some((stream_id, seq)) = parse_event_id(&last) else {
            let error = RpcError::new(-32000, format!("Bad Request: malformed Last-Event-ID {last:?}"));
            return json_reply(400, &error_response(&Value::Null, &error), session_id);
        };
        let live = runtime.streams.borrow().get(stream_id).cloned();
        let standalone = runtime.standalone.borrow().clone().filter(|s| s.id() == stream_id);
        match live.or(standalone) {
            Some(stream) => stream.resume(outbox.clone(), seq),
            None => {
                replay(ctx.sql(), stream_id, seq, &outbox);
                outbox.close();
            }
        }
        return sse_reply(SseBody::new(outbox, keep_alive), session_id);
    }
    if runtime.connected_standalone().is_some() {
        let error = RpcError::new(-32000, "Conflict: only one SSE stream is allowed per session");
        return json_reply(409, &error_response(&Value::Null, &error), session_id);
    }
    let stream = EventStream::open(ctx.sql().clone(), outbox.clone(), true);
    *runtime.standalone.borrow_mut() = Some(stream);
    sse_reply(SseBody::new(outbox, keep_alive), session_id)
}

/// Ends the session: its streams close and the instance's storage is deleted.
async fn end_session<A: Agent>(
    ctx: &Context<A>,
    runtime: &McpRuntime<A>,
    session_id: &str,
) -> worker::Result<Response> {
    if Session::load_active(ctx.sql(), session_id)?.is_none() {
        return session_not_found();
    }
    Session::end(ctx.sql())?;
    runtime.close_streams();
    ctx.erase().await?;
    Ok(Response::empty()?.with_status(200))
}

async fn open_legacy_stream<A: Agent>(
    ctx: &Rc<Context<A>>,
    runtime: &McpRuntime<A>,
    session_id: &str,
    req: &Request,
) -> worker::Result<Response> {
    let endpoint = req.headers().get(MCP_ENDPOINT_HEADER)?.unwrap_or_else(|| "/sse/message".into());
    ctx.awaken().await?;
    Session::open(ctx.sql(), session_id, LEGACY_SSE, ctx.auth().as_ref())?;
    runtime.seen_stored.set(None);
    crate::schedule::runner::rearm(ctx).await?;
    let outbox = Rc::new(Outbox::default());
    outbox.push(event(Some("endpoint"), None, &format!("{endpoint}?sessionId={session_id}")));
    // Legacy clients parse every `message` event: no priming event here.
    let stream = EventStream::open(ctx.sql().clone(), outbox.clone(), false);
    if let Some(old) = runtime.standalone.borrow_mut().replace(stream) {
        old.finish();
    }
    sse_reply(SseBody::new(outbox, runtime.server.keep_alive_interval()), "")
}

async fn post_legacy<A: Agent>(
    ctx: &Rc<Context<A>>,
    runtime: &McpRuntime<A>,
    session_id: String,
    req: Request,
) -> worker::Result<Response> {
    let session = Session::load(ctx.sql())?.filter(|s| s.id == session_id && s.status != ENDED);
    let (Some(session), Some(stream)) = (session, runtime.connected_standalone()) else {
        return session_not_found();
    };
    runtime.touch(ctx.sql())?;
    let text = request_text(&req).await?;
    let body = match parse_body(&text) {
        Ok(body) => body,
        Err(error) => return json_reply(400, &error, ""),
    };
    let messages = match body {
        Body::Single(message) => vec![message],
        Body::Batch(messages) => messages,
    };
    let send = |reply: Value| {
        stream.send(&reply);
    };
    for message in messages {
        match message {
            Message::Request { id, method, params } if method == "initialize" && session.status != ACTIVE => {
                match initialize(ctx, runtime, &params) {
                    Ok(result) => send(result_response(&id, result)),
                    Err(e) => {
                        let message = ctx.internal_error("initialize", &e);
                        send(error_response(&id, &RpcError::new(super::jsonrpc::INTERNAL_ERROR, message)))
                    }
                }
            }
            Message::Request { id, .. } if session.status != ACTIVE => {
                send(error_response(&id, &RpcError::new(INVALID_REQUEST, "Invalid Request: initialize first")));
            }
            Message::Request { id, method, params } => {
                if let Some(reply) = answer(ctx, &session, &id, &method, params, Some(stream.clone())).await {
                    send(reply);
                }
            }
            Message::Invalid { id, error } => send(error_response(&id, &error)),
            other => notice(runtime, other),
        }
    }
    Ok(Response::ok("Accepted")?.with_status(202))
}
