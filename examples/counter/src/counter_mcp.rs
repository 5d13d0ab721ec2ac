//! The seed's counter MCP server: an `add` tool that changes the session's
//! state and a `counter` resource that reads it. Every MCP session is its own
//! instance, so each client counts on its own.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::mcp::{PromptMessage, PromptResult, ResourceContents, ResourceRequest, ToolResult};
use workers_agents::prelude::*;

/// A session's counter.
#[derive(Debug, Clone, Serialize, Deserialize, Schema)]
pub struct CounterMcpState {
    counter: i64,
}

/// The counter MCP server: one instance per MCP session.
#[derive(Debug)]
pub struct CounterMcp;

/// Largest amount the `add` tool takes, either way (in its input schema).
const MAX_ADD: i64 = 1_000_000;
/// Longest `style` of the `explain` prompt, in characters.
const MAX_STYLE_CHARS: usize = 100;

#[agent(mcp(name = "Demo", version = "1.0.0"))]
impl Agent for CounterMcp {
    type State = CounterMcpState;

    fn new(_env: &Env) -> Self {
        CounterMcp
    }

    fn initial_state(&self) -> CounterMcpState {
        CounterMcpState { counter: 1 }
    }

    /// Add a number to this session's counter
    #[tool]
    async fn add(
        &self,
        ctx: &Context<Self>,
        #[schema(description = "How much to add", minimum = -MAX_ADD, maximum = MAX_ADD)] a: i64,
    ) -> Result<ToolResult> {
        let mut total = 0;
        ctx.update_state(|s| {
            s.counter = s.counter.saturating_add(a);
            total = s.counter;
        })?;
        Ok(ToolResult::text(format!("Added {a}, total is now {total}")))
    }

    /// The session's counter
    #[resource(uri = "mcp://resource/counter", name = "counter", mime_type = "text/plain")]
    async fn counter(&self, ctx: &Context<Self>, req: ResourceRequest) -> Result<ResourceContents> {
        Ok(ResourceContents::text(req.uri, "text/plain", ctx.state()?.counter.to_string()))
    }

    /// Ask the model about the counter
    #[prompt]
    async fn explain(
        &self,
        ctx: &Context<Self>,
        #[schema(description = "Tone")] style: Option<String>,
    ) -> Result<PromptResult> {
        let style = style.unwrap_or_else(|| "plain".into());
        if style.chars().count() > MAX_STYLE_CHARS {
            return Err(Error::BadRequest(format!("style must be at most {MAX_STYLE_CHARS} characters")));
        }
        let counter = ctx.state()?.counter;
        Ok(PromptResult::new(vec![PromptMessage::user(format!(
            "Explain in a {style} style what a counter at {counter} means."
        ))]))
    }
}
