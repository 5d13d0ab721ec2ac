//! Chat agents that the official React hook `useAgentChat` (npm `agents`
//! `agents/chat/react`, also re-exported by `@cloudflare/ai-chat`) talks to
//! unchanged: the transcript stored in the agent's SQLite as the AI SDK's
//! `UIMessage`s, served at `GET /agents/{agent}/{name}/get-messages`, and
//! turns streamed as UI message stream chunks in `cf_agent_use_chat_response`
//! frames.
//!
//! An agent opts in with [`Agent::chat`](crate::Agent::chat); its
//! [`Agent::on_chat_message`](crate::Agent::on_chat_message) answers a
//! [`ChatTurn`] (by default the configured model, streamed with the whole
//! conversation).
//!
//! Pure parts (tested natively): the frames (`wire`) and the messages
//! (`messages`: checks, the model's view, the assistant message built from
//! chunks).

mod live;
pub(crate) mod messages;
mod part;
mod store;
mod turn;
pub(crate) mod wire;

pub use messages::{model_messages, text_of};
pub(crate) use part::ChatPart;
pub use store::{ChatMessages, PIECE_BYTES};
pub use turn::{Chat, ChatTurn};
pub use wire::{Outcome, Trigger};
