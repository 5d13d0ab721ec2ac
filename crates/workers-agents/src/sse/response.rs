//! Streaming `text/event-stream` responses from an agent's `on_request`.

use std::rc::Rc;
use std::time::Duration;

use serde::Serialize;
use worker::{Headers, Response};

use super::body::{Outbox, SseBody};
use super::framing::event;

/// The sending side of an SSE response made by [`sse_response`].
#[derive(Clone)]
pub struct SseSender(Rc<Outbox>);

impl SseSender {
    /// Sends one event (`event:` name optional). `false`: the client is gone.
    pub fn send(&self, name: Option<&str>, data: &str) -> bool {
        self.0.push(event(name, None, data))
    }

    /// Sends one event whose data is `value` as JSON.
    pub fn send_json<T: Serialize>(&self, name: Option<&str>, value: &T) -> bool {
        match serde_json::to_string(value) {
            Ok(data) => self.send(name, &data),
            Err(_) => false,
        }
    }

    /// Ends the response once everything sent is delivered.
    pub fn close(&self) {
        self.0.close();
    }

    /// Whether the client is still reading.
    pub fn is_open(&self) -> bool {
        self.0.is_open()
    }
}

/// A `text/event-stream` response and its sender; idle streams get a
/// keep-alive comment every `keep_alive`. Produce the events from work you
/// start with [`Context::spawn`](crate::Context::spawn), then return the response.
pub fn sse_response(keep_alive: Duration) -> worker::Result<(SseSender, Response)> {
    let outbox = Rc::new(Outbox::default());
    let headers = Headers::new();
    headers.set("content-type", "text/event-stream")?;
    headers.set("cache-control", "no-cache")?;
    let response = Response::from_stream(SseBody::new(outbox.clone(), keep_alive))?.with_headers(headers);
    Ok((SseSender(outbox), response))
}

impl std::fmt::Debug for SseSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseSender").field("open", &self.is_open()).finish_non_exhaustive()
    }
}
