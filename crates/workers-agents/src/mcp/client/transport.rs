//! Streamable HTTP from inside a Durable Object, with the runtime's `fetch`:
//! one POST per JSON-RPC message, the reply read as JSON or as an event
//! stream until the response to the request arrives, every read bounded
//! ([`MAX_REPLY_BYTES`], [`MAX_REPLY_EVENTS`], [`REQUEST_TIMEOUT`]). An
//! event stream that ends before the response, after the server gave an
//! event id, is taken up again (SEP-1699): after the server's `retry` time,
//! a `GET` with `Last-Event-ID`, at most `MAX_RESUMPTIONS` times.

use std::time::Duration;

use futures_util::future::{select, Either, LocalBoxFuture};
use futures_util::StreamExt;
use serde_json::Value;
use worker::{ByteStream, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

use super::challenge::parse_challenges;
use super::error::ClientError;
use super::event_reader::EventReader;
use super::session::{messages, reply_kind, response_to, ReplyKind, SESSION_HEADER, VERSION_HEADER};
use crate::mcp::jsonrpc::Message;
use crate::sse::parse::SseParser;

/// Most bytes read from one reply (a JSON body, or an event stream up to the
/// response): a server cannot fill the agent's memory.
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;
/// Most events read from one event-stream reply before its response.
pub const MAX_REPLY_EVENTS: usize = 1_000;
/// How long one request may take, its reply read to the end.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Most times one request's event stream is taken up again after it ended
/// without the response.
pub(crate) const MAX_RESUMPTIONS: usize = 5;
/// The longest wait before taking a stream up again, whatever `retry` the
/// server asked for (the whole request stays within `REQUEST_TIMEOUT`).
pub(crate) const MAX_RETRY: Duration = Duration::from_secs(10);
/// How long the server may take to open its standalone stream.
const STANDALONE_OPEN_TIMEOUT: Duration = Duration::from_secs(5);
/// The wait before taking a stream up again when the server named none.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// Most bytes of a failed reply's body kept for its error message.
const MAX_ERROR_BODY_BYTES: usize = 4 * 1024;

/// Where a session is: its URL, and what the server gave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    pub(crate) session_id: Option<String>,
    pub(crate) protocol_version: Option<String>,
    /// The OAuth access token sent with every request, if the server wants one.
    pub(crate) bearer: Option<Bearer>,
}

/// An access token; its `Debug` does not show it.
#[derive(Clone, PartialEq)]
pub(crate) struct Bearer(pub(crate) String);

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bearer(..)")
    }
}

/// Adds the `Authorization` header of `endpoint`, if it has a token.
pub(super) fn authorize(headers: &Headers, endpoint: &Endpoint) -> Result<(), ClientError> {
    match &endpoint.bearer {
        Some(Bearer(token)) => headers
            .set("authorization", &format!("Bearer {token}"))
            .map_err(|_| ClientError::Protocol("the access token is not a valid header value".into())),
        None => Ok(()),
    }
}

/// Takes what a reply's event stream carries besides the awaited response
/// (notifications, the server's own requests), as it comes: the server may
/// wait for the answer to its request before it responds.
pub(crate) trait Inbox {
    /// The answer to POST back to the server, if `message` wants one.
    fn take(&self, message: Message) -> LocalBoxFuture<'_, Option<Value>>;
}

/// An inbox that answers nothing and keeps nothing.
pub(crate) struct Ignore;

impl Inbox for Ignore {
    fn take(&self, _: Message) -> LocalBoxFuture<'_, Option<Value>> {
        Box::pin(async { None })
    }
}

/// What a POST brought back.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The result of the request (`None` for a notification).
    pub(crate) result: Option<Value>,
    /// The `Mcp-Session-Id` the server set, if any.
    pub(crate) session_id: Option<String>,
}

/// POSTs `message`; with `id`, waits for the response to it, handing what
/// else the reply carries to `inbox`.
pub(crate) async fn post(
    endpoint: &Endpoint,
    message: &Value,
    id: Option<u64>,
    inbox: &dyn Inbox,
) -> Result<Reply, ClientError> {
    within_timeout(post_unbounded(endpoint, message, id, inbox), "no answer").await
}

/// `work`, failed with "`missing` within [`REQUEST_TIMEOUT`]" when it takes longer.
pub(super) async fn within_timeout<T>(
    work: impl std::future::Future<Output = Result<T, ClientError>>,
    missing: &str,
) -> Result<T, ClientError> {
    match select(Box::pin(work), Box::pin(worker::Delay::from(REQUEST_TIMEOUT))).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => Err(ClientError::Transport(format!("{missing} within {REQUEST_TIMEOUT:?}"))),
    }
}

/// Ends the session (`DELETE` with its id); failures are ignored, as the
/// server may already have ended it.
pub(crate) async fn delete(endpoint: &Endpoint) {
    let Some(session_id) = &endpoint.session_id else { return };
    let headers = Headers::new();
    let _ = headers.set(SESSION_HEADER, session_id);
    if let Some(version) = &endpoint.protocol_version {
        let _ = headers.set(VERSION_HEADER, version);
    }
    let _ = authorize(&headers, endpoint);
    let mut init = RequestInit::new();
    // Never followed: a redirect could send the session to a host the URL
    // check refused (see `post_unbounded`).
    init.with_method(Method::Delete).with_headers(headers).with_redirect(RequestRedirect::Manual);
    let Ok(req) = Request::new_with_init(&endpoint.url, &init) else { return };
    let _ = select(Box::pin(Fetch::Request(req).send()), Box::pin(worker::Delay::from(REQUEST_TIMEOUT))).await;
}

async fn post_unbounded(
    endpoint: &Endpoint,
    message: &Value,
    id: Option<u64>,
    inbox: &dyn Inbox,
) -> Result<Reply, ClientError> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| ClientError::Transport(e.to_string()));
    set("content-type", "application/json")?;
    set("accept", "application/json, text/event-stream")?;
    if let Some(session_id) = &endpoint.session_id {
        set(SESSION_HEADER, session_id)?;
    }
    if let Some(version) = &endpoint.protocol_version {
        set(VERSION_HEADER, version)?;
    }
    authorize(&headers, endpoint)?;
    let mut init = RequestInit::new();
    // Redirects are not followed: `check_server_url` vetted this URL only, and
    // a 307 would carry the request (and the session id) to any host, a
    // private one included. A 3xx is the server's failure.
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(message.to_string().into()))
        .with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(&endpoint.url, &init).map_err(|e| ClientError::Transport(e.to_string()))?;
    let mut response = Fetch::Request(req).send().await.map_err(|e| ClientError::Transport(e.to_string()))?;
    let status = response.status_code();
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let session_id = header(SESSION_HEADER);
    let kind = reply_kind(status, header("content-type").as_deref()).map_err(ClientError::Protocol)?;
    let result = match kind {
        ReplyKind::Empty => None,
        ReplyKind::Failed(status) => return Err(failure(endpoint, status, &mut response).await),
        // A notification answered 200 with a JSON body: nothing to take from
        // it (whatever it holds, even something unparsable, is not a failure).
        ReplyKind::Json => match id {
            Some(id) => {
                let text = read_text(&mut response, MAX_REPLY_BYTES).await?;
                let found = messages(&text).map_err(ClientError::Protocol)?;
                Some(outcome(response_to(&found, id), id)?)
            }
            None => None,
        },
        ReplyKind::EventStream => match id {
            Some(id) => Some(read_events(endpoint, session_id.as_deref(), response, id, inbox).await?),
            None => None,
        },
    };
    if id.is_some() && result.is_none() {
        return Err(ClientError::Protocol(format!("the server answered {status} without a response")));
    }
    Ok(Reply { result, session_id })
}

fn outcome(found: Option<Result<Value, crate::mcp::RpcError>>, id: u64) -> Result<Value, ClientError> {
    match found {
        Some(Ok(result)) => Ok(result),
        Some(Err(error)) => Err(ClientError::Rpc(error)),
        None => Err(ClientError::Protocol(format!("the reply holds no response to request {id}"))),
    }
}

/// Where a request's event streams are: what they read so far (the limits
/// count every stream of the request) and how to take them up again.
#[derive(Default)]
struct Resume {
    read: usize,
    events: usize,
    last_event_id: Option<String>,
    retry: Option<Duration>,
}

/// Reads events until the response to `id`, within the limits; the other
/// messages go to `inbox`, and its answers are POSTed back at once. A stream
/// that ends first is taken up again with `GET` and `Last-Event-ID` if the
/// server gave an event id.
async fn read_events(
    endpoint: &Endpoint,
    session_id: Option<&str>,
    mut response: Response,
    id: u64,
    inbox: &dyn Inbox,
) -> Result<Value, ClientError> {
    let mut resume = Resume::default();
    let mut resumptions = 0;
    loop {
        if let Some(outcome) = read_stream(endpoint, &mut response, id, &mut resume, inbox).await? {
            return outcome;
        }
        let Some(last_event_id) = resume.last_event_id.clone() else {
            return Err(ClientError::Protocol(format!("the event stream ended without a response to request {id}")));
        };
        if resumptions == MAX_RESUMPTIONS {
            return Err(ClientError::Protocol(format!(
                "the event stream ended {} times without a response to request {id}",
                MAX_RESUMPTIONS + 1
            )));
        }
        resumptions += 1;
        worker::Delay::from(resume.retry.unwrap_or(DEFAULT_RETRY).min(MAX_RETRY)).await;
        // The session the POST was made in: the one this reply set, else the endpoint's.
        let session = session_id.or(endpoint.session_id.as_deref());
        response = resume_stream(endpoint, session, &last_event_id).await?;
    }
}

/// Reads one event stream until the response to `id` (`Some`) or its end
/// (`None`), noting the last event id and `retry` for a reconnection.
async fn read_stream(
    endpoint: &Endpoint,
    response: &mut Response,
    id: u64,
    resume: &mut Resume,
    inbox: &dyn Inbox,
) -> Result<Option<Result<Value, ClientError>>, ClientError> {
    let mut bytes = stream(response)?;
    let mut parser = SseParser::with_limit(MAX_REPLY_BYTES);
    loop {
        let (batch, ended) = match bytes.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|e| ClientError::Transport(e.to_string()))?;
                resume.read += chunk.len();
                if resume.read > MAX_REPLY_BYTES {
                    return Err(ClientError::TooLarge(format!("the reply is over {MAX_REPLY_BYTES} bytes")));
                }
                (parser.push(&chunk), false)
            }
            None => (parser.finish(), true),
        };
        if parser.overflowed() {
            return Err(ClientError::TooLarge(format!("an event of the reply is over {MAX_REPLY_BYTES} bytes")));
        }
        if let Some(last) = parser.last_event_id() {
            resume.last_event_id = Some(last.to_owned());
        }
        if let Some(ms) = parser.retry_ms() {
            resume.retry = Some(Duration::from_millis(ms));
        }
        for event in batch {
            resume.events += 1;
            if resume.events > MAX_REPLY_EVENTS {
                return Err(ClientError::TooLarge(format!("the reply sent over {MAX_REPLY_EVENTS} events")));
            }
            if event.data.is_empty() || event.event.as_deref().is_some_and(|e| e != "message") {
                continue;
            }
            // A message that is not JSON-RPC is skipped, as the SDK's client does.
            if let Ok(found) = messages(&event.data) {
                if let Some(outcome) = response_to(&found, id) {
                    return Ok(Some(outcome.map_err(ClientError::Rpc)));
                }
                for message in found {
                    if let Some(answer) = inbox.take(message).await {
                        // Boxed: an answer is a POST too, whose reply is read here.
                        Box::pin(post(endpoint, &answer, None, &Ignore)).await?;
                    }
                }
            }
        }
        if ended {
            return Ok(None);
        }
    }
}

/// Takes an event stream up again: `GET` with `Last-Event-ID`.
async fn resume_stream(
    endpoint: &Endpoint,
    session_id: Option<&str>,
    last_event_id: &str,
) -> Result<Response, ClientError> {
    let endpoint = Endpoint { session_id: session_id.map(str::to_owned), ..endpoint.clone() };
    open_get(&endpoint, Some(last_event_id), None).await
}

/// A `GET` for an event stream of the session (never redirected, as the
/// POST), with `Last-Event-ID` when taking one up again; the answer must be
/// an event stream.
async fn open_get(
    endpoint: &Endpoint,
    last_event_id: Option<&str>,
    signal: Option<&worker::AbortSignal>,
) -> Result<Response, ClientError> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| ClientError::Transport(e.to_string()));
    set("accept", "text/event-stream")?;
    if let Some(last_event_id) = last_event_id {
        set("last-event-id", last_event_id)?;
    }
    if let Some(session_id) = &endpoint.session_id {
        set(SESSION_HEADER, session_id)?;
    }
    if let Some(version) = &endpoint.protocol_version {
        set(VERSION_HEADER, version)?;
    }
    authorize(&headers, endpoint)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers).with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(&endpoint.url, &init).map_err(|e| ClientError::Transport(e.to_string()))?;
    let sent = match signal {
        Some(signal) => Fetch::Request(req).send_with_signal(signal).await,
        None => Fetch::Request(req).send().await,
    };
    let mut response = sent.map_err(|e| ClientError::Transport(e.to_string()))?;
    let status = response.status_code();
    let content_type = response.headers().get("content-type").ok().flatten();
    match reply_kind(status, content_type.as_deref()).map_err(ClientError::Protocol)? {
        ReplyKind::EventStream => Ok(response),
        ReplyKind::Failed(status) => Err(failure(endpoint, status, &mut response).await),
        _ => Err(ClientError::Protocol(format!("the server answered {status} to GET, not with an event stream"))),
    }
}

/// Opens the standalone stream of the session (`GET` with its id, never
/// redirected), within [`STANDALONE_OPEN_TIMEOUT`]: `None` when the server
/// has none (405) or cannot give one now; the session goes on without it.
pub(super) async fn open_standalone(endpoint: &Endpoint) -> Option<EventReader> {
    let abort = worker::AbortController::default();
    let signal = abort.signal();
    let opening = Box::pin(open_get(endpoint, None, Some(&signal)));
    let response = match select(opening, Box::pin(worker::Delay::from(STANDALONE_OPEN_TIMEOUT))).await {
        Either::Left((Ok(response), _)) => response,
        _ => return None,
    };
    let mut response = response;
    EventReader::new(&mut response, abort).ok()
}

/// Reads the standalone stream while a request waits (the caller drops
/// this when the response is in): server requests go to `inbox` and its
/// answers are POSTed; responses there answer nothing of this client and
/// are skipped. Returns when the stream ends or fails.
pub(super) async fn listen(stream: &EventReader, endpoint: &Endpoint, inbox: &dyn Inbox) {
    let mut reading = stream.lock().await;
    while let Ok(Some(event)) = reading.next_message().await {
        let Ok(found) = messages(&event.data) else { continue };
        for message in found {
            if matches!(message, Message::Response { .. }) {
                continue;
            }
            if let Some(answer) = inbox.take(message).await {
                // A failed answer is the server's to notice (its request times out).
                let _ = Box::pin(post(endpoint, &answer, None, &Ignore)).await;
            }
        }
    }
}

/// The error a failed reply stands for.
pub(super) async fn failure(endpoint: &Endpoint, status: u16, response: &mut Response) -> ClientError {
    if status == 404 && endpoint.session_id.is_some() {
        return ClientError::SessionGone;
    }
    if status == 401 || status == 403 {
        let header = response.headers().get("www-authenticate").ok().flatten().unwrap_or_default();
        let challenges = parse_challenges(&header).unwrap_or_default();
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let resource_metadata = bearer.param("resource_metadata").map(str::to_owned);
            let scope = bearer.param("scope").map(str::to_owned);
            if status == 401 {
                return ClientError::Unauthorized { resource_metadata, scope };
            }
            if bearer.param("error") == Some("insufficient_scope") {
                return ClientError::InsufficientScope { resource_metadata, scope };
            }
        }
    }
    if (300..400).contains(&status) {
        let message = "the server answered with a redirect, which an MCP client does not follow".to_owned();
        return ClientError::Http { status, message };
    }
    let text = read_text(response, MAX_ERROR_BODY_BYTES).await.unwrap_or_default();
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|body| body["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect());
    ClientError::Http { status, message }
}

fn stream(response: &mut Response) -> Result<ByteStream, ClientError> {
    response.stream().map_err(|e| ClientError::Transport(e.to_string()))
}

/// The body as text, refused once it passes `limit` bytes.
pub(crate) async fn read_text(response: &mut Response, limit: usize) -> Result<String, ClientError> {
    let mut bytes = stream(response)?;
    let mut body = Vec::new();
    while let Some(chunk) = bytes.next().await {
        let chunk = chunk.map_err(|e| ClientError::Transport(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ClientError::TooLarge(format!("the reply is over {limit} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| ClientError::Protocol("the reply is not UTF-8".into()))
}
