//! Model Context Protocol server agents: an agent declares an [`McpServer`]
//! (tools, resources, prompts with typed handlers) in
//! [`Agent::mcp_server`](crate::Agent::mcp_server), and the worker mounts it
//! with [`McpEndpoint`] over Streamable HTTP and/or legacy SSE. Every client
//! session is its own agent instance, with state, SQL and hibernation.

pub mod client;
mod endpoint;
pub(crate) mod json_schema;
pub(crate) mod jsonrpc;
mod notify;
mod origin;
mod part;
mod peer;
mod pending;
mod server;
pub(crate) mod session;

mod streams;
pub(crate) mod transport;
mod types;
pub(crate) mod uri_template;

pub use endpoint::{McpEndpoint, ALLOWED_HOSTS_VAR, ALLOWED_ORIGINS_VAR, DEFAULT_MAX_BODY_BYTES};
pub use jsonrpc::{Message as JsonRpcMessage, RpcError};
pub(crate) use part::McpPart;
pub use peer::{LogLevel, Peer, REQUEST_TIMEOUT};
pub use server::{
    CompletionRef, CompletionRequest, McpServer, NoArgs, ResourceRequest, DEFAULT_SESSION_IDLE_TIMEOUT,
    RESOURCE_NOT_FOUND,
};
pub use streams::MAX_KEPT_EVENTS;
pub use transport::{MAX_BATCH_REPLY_BYTES, MAX_REQUESTS_IN_FLIGHT};
pub use types::{
    page, Content, Prompt, PromptMessage, PromptResult, Resource, ResourceContents, Role, Tool, ToolResult, PAGE_SIZE,
};
