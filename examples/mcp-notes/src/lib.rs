//! Example: an MCP server that keeps notes.
//!
//! [`NotesMcp`] at `/notes/mcp` (Streamable HTTP) and `/notes/sse` (legacy
//! SSE): notes live in the session's SQLite; tools `create_note`,
//! `list_notes`, `search_notes`; a resource template `notes://{id}`; a prompt
//! `summarize_notes`.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the server with [`mount`].

mod hosts;
mod notes_mcp;
#[cfg(feature = "standalone")]
mod standalone;

pub use notes_mcp::NotesMcp;

use worker::Env;
use workers_agents::mcp::McpEndpoint;
use workers_agents::AgentRouter;

/// Adds the notes server at `/notes/mcp` and `/notes/sse` to `router`. Hosts
/// are checked only when the `MCP_ALLOWED_HOSTS` var (comma-separated host
/// names) is set.
pub fn mount(router: AgentRouter, env: &Env) -> AgentRouter {
    let hosts = hosts::allowed_hosts(env);
    router
        .mcp(McpEndpoint::streamable_http::<NotesMcp>("/notes/mcp").allowed_hosts(&hosts))
        .mcp(McpEndpoint::sse::<NotesMcp>("/notes/sse").allowed_hosts(&hosts))
}
