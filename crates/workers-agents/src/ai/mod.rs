//! AI models from agents: Workers AI (the `[ai]` binding) and any
//! OpenAI-compatible provider behind one [`ChatModel`], streamed replies
//! stored durably in the agent's SQLite ([`Conversations`]) so clients catch
//! up after a disconnect, and the history as the next call's context.
//!
//! Pure parts (tested natively): the incremental SSE parser (`sse::parse`) and
//! both wire formats (`openai`, `workers_ai`).

mod idle;
pub(crate) mod openai;
mod part;
mod provider;
mod reply;

pub(crate) mod store;
mod types;
pub(crate) mod workers_ai;

pub(crate) use part::AiPart;
pub use provider::{ChatModel, ChatStream, Provider};
pub use reply::{stream_reply, Reply};
pub use store::{Conversations, MessageStatus, ReplyEvent, ReplyFeed, StoredMessage};
pub use types::{
    error_message, AiError, ChatMessage, ChatRequest, ChatResponse, Role, StreamEvent, ToolCall, ToolDefinition,
};
pub use workers_ai::Gateway;
