//! Example: an MCP server that keeps notes.
//!
//! [`NotesMcp`] at `/notes/mcp` (Streamable HTTP) and `/notes/sse` (legacy
//! SSE): notes live in the session's SQLite; tools `create_note`,
//! `list_notes`, `search_notes`; a resource template `notes://{id}`; a prompt
//! `summarize_notes`.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the server with [`mount`].

mod notes_mcp;
#[cfg(feature = "standalone")]
mod standalone;

pub use notes_mcp::NotesMcp;

use worker::Env;
use workers_agents::mcp::McpEndpoint;
use workers_agents::AgentRouter;

/// Adds the notes server at `/notes/mcp` and `/notes/sse` to `router`. Browsers
/// may call it from its own origin and those in the `MCP_ALLOWED_ORIGINS`
/// var; `MCP_ALLOWED_HOSTS` limits the hosts it answers to.
pub fn mount(router: AgentRouter, env: &Env) -> AgentRouter {
    router
        .mcp(McpEndpoint::streamable_http::<NotesMcp>("/notes/mcp").allow_lists_from_env(env))
        .mcp(McpEndpoint::sse::<NotesMcp>("/notes/sse").allow_lists_from_env(env))
}
