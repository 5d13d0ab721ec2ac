//! A long-lived event stream from a server (the legacy transport's stream,
//! the standalone `GET` stream of Streamable HTTP), read an event at a time
//! by whichever request of this wake needs it next. Cancel-safe: a read cut
//! short by its caller (the request it served is over) leaves the bytes
//! and the events already parsed for the next reader. Each event is within
//! [`MAX_REPLY_BYTES`].

use std::collections::VecDeque;

use futures_util::lock::{Mutex, MutexGuard};
use futures_util::StreamExt;
use worker::{AbortController, ByteStream, Response};

use super::error::ClientError;
use super::transport::MAX_REPLY_BYTES;
use crate::sse::parse::{SseEvent, SseParser};

/// The stream and what has been parsed of it.
pub(super) struct Reading {
    bytes: ByteStream,
    parser: SseParser,
    ready: VecDeque<SseEvent>,
    ended: bool,
    /// Events taken so far, of any kind.
    taken: usize,
}

/// One event stream, shared by the requests of a wake.
pub(super) struct EventReader {
    reading: Mutex<Reading>,
    /// Ends the request the stream is the body of when the reader goes:
    /// a stream nobody reads is not held open.
    abort: Option<AbortController>,
}

impl Drop for EventReader {
    fn drop(&mut self) {
        if let Some(abort) = self.abort.take() {
            abort.abort();
        }
    }
}

impl EventReader {
    /// Reads the body of `response`, an event stream; the request made
    /// with `abort`'s signal is aborted when the reader is dropped.
    pub(super) fn new(response: &mut Response, abort: AbortController) -> Result<Self, ClientError> {
        let bytes = response.stream().map_err(|e| ClientError::Transport(e.to_string()))?;
        let reading = Reading {
            bytes,
            parser: SseParser::with_limit(MAX_REPLY_BYTES),
            ready: VecDeque::new(),
            ended: false,
            taken: 0,
        };
        Ok(EventReader { reading: Mutex::new(reading), abort: Some(abort) })
    }

    /// The stream, once no other request reads it.
    pub(super) async fn lock(&self) -> MutexGuard<'_, Reading> {
        self.reading.lock().await
    }
}

impl Reading {
    /// The next event, `None` once the stream ended.
    pub(super) async fn next_event(&mut self) -> Result<Option<SseEvent>, ClientError> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                self.taken += 1;
                return Ok(Some(event));
            }
            if self.ended {
                return Ok(None);
            }
            let batch = match self.bytes.next().await {
                Some(chunk) => self.parser.push(&chunk.map_err(|e| ClientError::Transport(e.to_string()))?),
                None => {
                    self.ended = true;
                    self.parser.finish()
                }
            };
            if self.parser.overflowed() {
                self.ended = true;
                return Err(ClientError::TooLarge(format!("an event of the stream is over {MAX_REPLY_BYTES} bytes")));
            }
            self.ready.extend(batch);
        }
    }

    /// How many events were taken from the stream so far.
    pub(super) fn taken(&self) -> usize {
        self.taken
    }

    /// The next event that carries a message (a `message` event, or one
    /// without a type, with data), `None` once the stream ended.
    pub(super) async fn next_message(&mut self) -> Result<Option<SseEvent>, ClientError> {
        while let Some(event) = self.next_event().await? {
            if is_message(&event) {
                return Ok(Some(event));
            }
        }
        Ok(None)
    }
}

/// Whether an event carries a JSON-RPC message.
pub(super) fn is_message(event: &SseEvent) -> bool {
    !event.data.is_empty() && event.event.as_deref().is_none_or(|e| e == "message")
}
