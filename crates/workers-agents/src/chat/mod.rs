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
//! Tools ([`Agent::chat_tools`](crate::Agent::chat_tools), [`ChatTools`]) run
//! on the server, on the server after a person approves, or in the browser;
//! a browser tool's result or an approval continues the assistant message
//! (`continuation: true` frames).
//!
//! Pure parts (tested natively): the frames (`wire`), the messages
//! (`messages`: checks, the model's view, the assistant message built from
//! chunks) and the tool parts (`tool_parts`: results and approvals applied).

mod live;
#[cfg(feature = "mcp")]
mod mcp_tools;
pub(crate) mod messages;
mod part;
mod store;
mod streams;
pub(crate) mod tool_parts;
mod tools;
mod turn;
pub(crate) mod wire;

#[cfg(feature = "mcp")]
pub use mcp_tools::MAX_MCP_TOOL_OUTPUT_BYTES;
pub use messages::{model_messages, text_of, DENIED_TOOL_CALL, INTERRUPTED_TOOL_CALL, UNANSWERED_TOOL_CALL};
pub(crate) use part::ChatPart;
pub use store::{ChatMessages, PIECE_BYTES};
pub use tools::{ChatTool, ChatTools, ToolKind, DEFAULT_MAX_STEPS};
pub use turn::{Chat, ChatTurn, MessageConcurrency};
pub use wire::{Outcome, Trigger, MAX_CLIENT_TOOLS};

/// Without the `mcp` feature there are no MCP servers' tools to offer.
#[cfg(not(feature = "mcp"))]
mod mcp_tools {
    use super::tools::{ChatTools, ToolOutcome};
    use crate::ai::ToolDefinition;
    use crate::{Agent, Context, Result};

    #[derive(Debug, Default)]
    pub(crate) struct McpTools;

    impl McpTools {
        pub(crate) fn offer<A: Agent>(_: &Context<A>, _: &ChatTools<A>, _: &mut Vec<ToolDefinition>) -> Result<Self> {
            Ok(McpTools)
        }

        pub(crate) fn has(&self, _: &str) -> bool {
            false
        }

        pub(crate) async fn run<A: Agent>(&self, _: &Context<A>, name: &str, _: serde_json::Value) -> ToolOutcome {
            ToolOutcome::Error(format!("No tool named {name}"))
        }
    }
}

/// For the chat benchmark (bench/chat): stores `count` chunks of `body`
/// exactly as a running stream stores each chunk before sending it, under a
/// stream of its own, then deletes them. Not part of the API.
#[doc(hidden)]
pub fn bench_store_chunks<A: crate::Agent>(ctx: &crate::Context<A>, count: u64, body: &str) -> crate::Result<()> {
    let request_id = format!("bench-{}", crate::ids::uuid_v4());
    streams::ensure(ctx.sql(), ctx.schema())?;
    streams::begin(ctx.sql(), &request_id, "bench", false)?;
    for seq in 0..count {
        streams::insert_chunk(ctx.sql(), &request_id, seq, body)?;
    }
    streams::delete(ctx.sql(), ctx.schema(), &request_id)
}
