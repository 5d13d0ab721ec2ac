//! Server-Sent Events: framing and parsing (pure, tested natively), the
//! streaming body, and `text/event-stream` responses from `on_request`.

pub(crate) mod body;
pub(crate) mod framing;
#[cfg(any(feature = "ai", feature = "mcp"))]
pub(crate) mod parse;
mod response;

pub use response::{sse_response, SseSender};
