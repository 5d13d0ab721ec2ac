//! The legacy HTTP+SSE transport (MCP 2024-11-05) from inside a Durable
//! Object: a `GET` opens the event stream, whose `endpoint` event names
//! where to POST (on the stream's origin, else refused); each POST is
//! accepted (202) and its response comes on the stream. The stream lives
//! as long as this wake; after hibernation or eviction the session is opened
//! again (a new `GET`, a new `initialize`). Bounded: each event within
//! [`MAX_REPLY_BYTES`](super::MAX_REPLY_BYTES), each request within
//! [`MAX_REPLY_EVENTS`] events (of any kind) and [`REQUEST_TIMEOUT`](super::REQUEST_TIMEOUT).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde_json::Value;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Url};

use super::error::ClientError;
use super::event_reader::EventReader;
use super::session::{messages, reply_kind, ReplyKind};
use super::transport::{authorize, failure, within_timeout, Endpoint, Inbox, MAX_REPLY_EVENTS};
use crate::mcp::jsonrpc::{Message, RpcError};

/// Most responses kept for requests of this wake still waiting (another
/// request read them first).
const MAX_ARRIVED: usize = 64;

/// One legacy session: where to POST, and the stream its answers come on.
pub(super) struct LegacySession {
    post_url: String,
    stream: EventReader,
    /// Responses read by one request for another still waiting.
    arrived: RefCell<HashMap<u64, Result<Value, RpcError>>>,
    waiting: RefCell<HashSet<u64>>,
}

/// Where the `endpoint` event's `data` says to POST: resolved against the
/// stream's URL, and only on the stream's origin (a server may not send the
/// agent's messages, and its token, elsewhere). Pure.
pub(super) fn post_url(stream_url: &str, data: &str) -> Result<String, String> {
    let base = Url::parse(stream_url).map_err(|e| format!("{stream_url:?} is not a URL: {e}"))?;
    let url = base.join(data.trim()).map_err(|e| format!("the endpoint event {data:?} is not a URL: {e}"))?;
    if url.origin() != base.origin() {
        return Err(format!("the endpoint event names another origin ({})", url.origin().ascii_serialization()));
    }
    Ok(url.into())
}

/// Opens the stream (`GET`, never redirected) and waits for its `endpoint`
/// event, within [`REQUEST_TIMEOUT`](super::REQUEST_TIMEOUT).
pub(super) async fn open(endpoint: &Endpoint) -> Result<LegacySession, ClientError> {
    within_timeout(open_unbounded(endpoint), "no endpoint event").await
}

async fn open_unbounded(endpoint: &Endpoint) -> Result<LegacySession, ClientError> {
    let headers = Headers::new();
    headers.set("accept", "text/event-stream").map_err(|e| ClientError::Transport(e.to_string()))?;
    authorize(&headers, endpoint)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers).with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(&endpoint.url, &init).map_err(|e| ClientError::Transport(e.to_string()))?;
    let abort = worker::AbortController::default();
    let sent = Fetch::Request(req).send_with_signal(&abort.signal()).await;
    let mut response = sent.map_err(|e| ClientError::Transport(e.to_string()))?;
    let status = response.status_code();
    let content_type = response.headers().get("content-type").ok().flatten();
    match reply_kind(status, content_type.as_deref()).map_err(ClientError::Protocol)? {
        ReplyKind::EventStream => {}
        ReplyKind::Failed(status) => return Err(failure(endpoint, status, &mut response).await),
        _ => {
            return Err(ClientError::Protocol(format!("the server answered {status} to GET, not with an event stream")))
        }
    }
    let stream = EventReader::new(&mut response, abort)?;
    let mut events = 0;
    let post_url = {
        let mut reading = stream.lock().await;
        loop {
            let Some(event) = reading.next_event().await? else {
                return Err(ClientError::Protocol("the event stream ended before its endpoint event".into()));
            };
            events += 1;
            if events > MAX_REPLY_EVENTS {
                return Err(ClientError::TooLarge(format!("no endpoint event in {MAX_REPLY_EVENTS} events")));
            }
            if event.event.as_deref() == Some("endpoint") {
                break post_url(&endpoint.url, &event.data).map_err(ClientError::Protocol)?;
            }
        }
    };
    Ok(LegacySession { post_url, stream, arrived: RefCell::default(), waiting: RefCell::default() })
}

/// Pending once: the other tasks of the wake run before this one goes on.
struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Forgets that a request waits, however its future ends.
struct Waiting<'a>(&'a LegacySession, u64);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.borrow_mut().remove(&self.1);
        self.0.arrived.borrow_mut().remove(&self.1);
    }
}

impl LegacySession {
    /// POSTs `message`; with `id`, waits on the stream for its response,
    /// handing what else comes to `inbox` (its answers POSTed back).
    pub(super) async fn send(
        &self,
        endpoint: &Endpoint,
        message: &Value,
        id: Option<u64>,
        inbox: &dyn Inbox,
    ) -> Result<Option<Value>, ClientError> {
        within_timeout(self.send_unbounded(endpoint, message, id, inbox), "no answer").await
    }

    async fn send_unbounded(
        &self,
        endpoint: &Endpoint,
        message: &Value,
        id: Option<u64>,
        inbox: &dyn Inbox,
    ) -> Result<Option<Value>, ClientError> {
        let Some(id) = id else {
            self.post(endpoint, message).await?;
            return Ok(None);
        };
        self.waiting.borrow_mut().insert(id);
        let _waiting = Waiting(self, id);
        self.post(endpoint, message).await?;
        let mut events = 0;
        loop {
            if let Some(outcome) = self.arrived.borrow_mut().remove(&id) {
                return outcome.map(Some).map_err(ClientError::Rpc);
            }
            // The stream is held for one event at a time: a request whose
            // response another one read gets it as soon as it is parked, and
            // a hook that calls this server again can read the stream too.
            let found = {
                let mut reading = self.stream.lock().await;
                // Another request may have read it while this one waited.
                if let Some(outcome) = self.arrived.borrow_mut().remove(&id) {
                    return outcome.map(Some).map_err(ClientError::Rpc);
                }
                let before = reading.taken();
                let event = reading.next_message().await?;
                events += reading.taken() - before;
                let Some(event) = event else {
                    return Err(ClientError::Transport("the server closed the event stream".into()));
                };
                if events > MAX_REPLY_EVENTS {
                    return Err(ClientError::TooLarge(format!("over {MAX_REPLY_EVENTS} events before the response")));
                }
                // A message that is not JSON-RPC is skipped, as the SDK's client does.
                let Ok(found) = messages(&event.data) else { continue };
                found
            };
            let mut mine = None;
            let mut parked = false;
            for message in found {
                match message {
                    Message::Response { id: answered, outcome } => match answered.as_u64() {
                        Some(answered) if answered == id => mine = Some(outcome),
                        Some(answered) if self.waiting.borrow().contains(&answered) => {
                            let mut arrived = self.arrived.borrow_mut();
                            if arrived.len() < MAX_ARRIVED {
                                arrived.insert(answered, outcome);
                                parked = true;
                            }
                        }
                        _ => {}
                    },
                    other => {
                        if let Some(answer) = inbox.take(other).await {
                            self.post(endpoint, &answer).await?;
                        }
                    }
                }
            }
            if let Some(outcome) = mine {
                return outcome.map(Some).map_err(ClientError::Rpc);
            }
            if parked {
                // Lets the request whose response this was take the stream first.
                YieldNow(false).await;
            }
        }
    }

    /// One POST to the session's endpoint: accepted, or the server's failure.
    async fn post(&self, endpoint: &Endpoint, message: &Value) -> Result<(), ClientError> {
        let headers = Headers::new();
        headers.set("content-type", "application/json").map_err(|e| ClientError::Transport(e.to_string()))?;
        authorize(&headers, endpoint)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(message.to_string().into()))
            .with_redirect(RequestRedirect::Manual);
        let req = Request::new_with_init(&self.post_url, &init).map_err(|e| ClientError::Transport(e.to_string()))?;
        let mut response = Fetch::Request(req).send().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        match response.status_code() {
            200..=299 => Ok(()),
            // The server no longer knows the session: a new one is opened.
            404 => Err(ClientError::SessionGone),
            status => Err(failure(endpoint, status, &mut response).await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_stays_on_the_streams_origin() {
        let base = "https://mcp.example.com/sse";
        assert_eq!(
            post_url(base, "/sse/message?sessionId=abc").unwrap(),
            "https://mcp.example.com/sse/message?sessionId=abc"
        );
        assert_eq!(post_url(base, " messages?s=1\n").unwrap(), "https://mcp.example.com/messages?s=1");
        assert_eq!(
            post_url(base, "https://mcp.example.com/m?sessionId=1").unwrap(),
            "https://mcp.example.com/m?sessionId=1"
        );
        for elsewhere in
            ["https://evil.example/m", "http://mcp.example.com/m", "https://mcp.example.com:8443/m", "//evil.example/m"]
        {
            assert!(post_url(base, elsewhere).is_err(), "{elsewhere}");
        }
    }
}
