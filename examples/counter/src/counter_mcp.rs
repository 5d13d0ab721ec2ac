//! The seed's counter MCP server: an `add` tool that changes the session's
//! state and a `counter` resource that reads it. Every MCP session is its own
//! instance, so each client counts on its own.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Env;
use workers_agents::mcp::{
    McpServer, Prompt, PromptMessage, PromptResult, Resource, ResourceContents, ResourceRequest, Tool, ToolResult,
};
use workers_agents::{export_agent, Agent, Context};

/// A session's counter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CounterMcpState {
    counter: i64,
}

#[derive(Deserialize)]
struct Add {
    a: i64,
}

#[derive(Deserialize)]
struct Explain {
    style: Option<String>,
}

/// The counter MCP server: one instance per MCP session.
#[derive(Debug)]
pub struct CounterMcp;

type Ctx = Context<CounterMcp>;

/// Largest amount the `add` tool takes, either way (in its input schema).
const MAX_ADD: i64 = 1_000_000;
/// Longest `style` of the `explain` prompt, in characters.
const MAX_STYLE_CHARS: usize = 100;

impl CounterMcp {
    async fn add(&self, ctx: &Ctx, Add { a }: Add) -> workers_agents::Result<ToolResult> {
        let mut total = 0;
        ctx.update_state(|s| {
            s.counter = s.counter.saturating_add(a);
            total = s.counter;
        })?;
        Ok(ToolResult::text(format!("Added {a}, total is now {total}")))
    }

    async fn counter(&self, ctx: &Ctx, req: ResourceRequest) -> workers_agents::Result<ResourceContents> {
        Ok(ResourceContents::text(req.uri, "text/plain", ctx.state()?.counter.to_string()))
    }

    async fn explain(&self, ctx: &Ctx, args: Explain) -> workers_agents::Result<PromptResult> {
        let style = args.style.unwrap_or_else(|| "plain".into());
        if style.chars().count() > MAX_STYLE_CHARS {
            return Err(workers_agents::Error::BadRequest(format!(
                "style must be at most {MAX_STYLE_CHARS} characters"
            )));
        }
        let counter = ctx.state()?.counter;
        Ok(PromptResult::new(vec![PromptMessage::user(format!(
            "Explain in a {style} style what a counter at {counter} means."
        ))]))
    }
}

impl Agent for CounterMcp {
    type State = CounterMcpState;

    fn new(_env: &Env) -> Self {
        CounterMcp
    }

    fn initial_state(&self) -> CounterMcpState {
        CounterMcpState { counter: 1 }
    }

    fn mcp_server() -> Option<McpServer<Self>> {
        let add = Tool::new("add", "Add a number to this session's counter").input_schema(json!({
            "type": "object",
            "properties": { "a": {
                "type": "integer", "description": "How much to add", "minimum": -MAX_ADD, "maximum": MAX_ADD
            } },
            "required": ["a"],
            "additionalProperties": false
        }));
        let counter = Resource::new("counter", "mcp://resource/counter")
            .description("The session's counter")
            .mime_type("text/plain");
        let explain = Prompt::new("explain", "Ask the model about the counter").argument("style", "Tone", false);
        Some(
            McpServer::new("Demo", "1.0.0")
                .tool(add, Self::add)
                .resource(counter, Self::counter)
                .prompt(explain, Self::explain),
        )
    }
}

export_agent!(CounterMcp);
