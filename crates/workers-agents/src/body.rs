//! Reading request bodies with a limit, for `on_request` handlers and the
//! MCP endpoints: the running total is checked as the body streams in, so a
//! body without `Content-Length` (chunked) is refused as soon as it passes
//! the limit, never buffered whole.
//!
//! ```no_run
//! # async fn handler(mut req: worker::Request) -> worker::Result<worker::Response> {
//! #[derive(serde::Deserialize)]
//! struct Note { text: String }
//! let note: Note = match workers_agents::body::read_json(&mut req, 64 * 1024).await {
//!     Ok(note) => note,
//!     Err(refused) => return refused.into_response(),
//! };
//! # let _ = note.text; todo!()
//! # }
//! ```

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::{Request, Response};

/// Why a body was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyError {
    /// Longer than the limit (declared, or counted while reading).
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Not UTF-8 text.
    NotUtf8,
    /// Not JSON of the expected shape.
    Json(serde_json::Error),
    /// The body could not be read.
    Read(worker::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(f, "Payload Too Large: limit is {limit} bytes"),
            BodyError::NotUtf8 => f.write_str("Bad Request: body is not UTF-8"),
            BodyError::Json(e) => write!(f, "Bad Request: invalid JSON body: {e}"),
            BodyError::Read(e) => write!(f, "Bad Request: body could not be read: {e}"),
        }
    }
}

impl std::error::Error for BodyError {}

impl BodyError {
    /// The HTTP status that answers it: 413 for a body over the limit, else 400.
    pub fn status(&self) -> u16 {
        match self {
            BodyError::TooLarge { .. } => 413,
            _ => 400,
        }
    }

    /// A plain-text response with [`status`](Self::status) and the message.
    pub fn into_response(self) -> worker::Result<Response> {
        Response::error(self.to_string(), self.status())
    }
}

/// The body's bytes, refused once they pass `limit`.
pub async fn read_bytes(req: &mut Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared = req.headers().get("content-length").ok().flatten().and_then(|l| l.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut stream = match req.stream() {
        Ok(stream) => stream,
        // No body at all.
        Err(_) if req.inner().body().is_none() => return Ok(Vec::new()),
        Err(e) => return Err(BodyError::Read(e)),
    };
    let mut body = Vec::with_capacity(declared.map_or(0, |l| l as usize));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        if body.len() + chunk.len() > limit {
            // Dropping the stream cancels the rest of the upload.
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body as UTF-8 text, refused once it passes `limit` bytes.
pub async fn read_text(req: &mut Request, limit: usize) -> Result<String, BodyError> {
    String::from_utf8(read_bytes(req, limit).await?).map_err(|_| BodyError::NotUtf8)
}

/// The body parsed as JSON into `T`, refused once it passes `limit` bytes.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request, limit: usize) -> Result<T, BodyError> {
    serde_json::from_slice(&read_bytes(req, limit).await?).map_err(BodyError::Json)
}
