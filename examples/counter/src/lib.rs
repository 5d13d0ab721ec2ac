//! Example: a counter agent and the MCP face of a counter.
//!
//! - [`Counter`] at `/agents/counter/{name}`: typed state synced to every
//!   client, callable methods, a streaming countdown, a validation rule, and
//!   readonly connections (`?readonly=1`).
//! - [`CounterMcp`], an MCP server at `/mcp` (Streamable HTTP) and `/sse`
//!   (legacy SSE): every session counts on its own.
//! - [`api`]: the worker calling the counter itself (`POST /api/counter/{name}/increment`).
//! - [`private_names`]: auth as routing hooks (instances named `private-*` need a token).
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts these with [`mount`], [`api`] and
//! [`private_names`].

mod api;
mod auth;
mod counter;
mod counter_mcp;
#[cfg(feature = "standalone")]
mod standalone;

pub use api::{api, API_PREFIX};
pub use auth::private_names;
pub use counter::{Counter, CounterState};
pub use counter_mcp::{CounterMcp, CounterMcpState};

use worker::Env;
use workers_agents::mcp::McpEndpoint;
use workers_agents::AgentRouter;

/// Adds the counter agent (`/{prefix}/counter/{name}`) and the counter MCP
/// server (`/mcp`, `/sse`) to `router`. Browsers may call the MCP
/// server from its own origin and those in the `MCP_ALLOWED_ORIGINS` var;
/// `MCP_ALLOWED_HOSTS` limits the hosts it answers to (both comma-separated).
pub fn mount(router: AgentRouter, env: &Env) -> AgentRouter {
    router
        .agent::<Counter>()
        .mcp(McpEndpoint::streamable_http::<CounterMcp>("/mcp").allow_lists_from_env(env))
        .mcp(McpEndpoint::sse::<CounterMcp>("/sse").allow_lists_from_env(env))
}
