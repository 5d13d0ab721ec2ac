//! Agents as MCP clients: [`Context::mcp_client`](crate::Context::mcp_client)
//! connects an agent to remote MCP servers over Streamable HTTP (every
//! reply bounded: [`MAX_REPLY_BYTES`], [`MAX_REPLY_EVENTS`],
//! [`REQUEST_TIMEOUT`]), keeps them in its SQLite (`cf_agents_mcp_servers`)
//! and shows them to its clients ([`servers`]). The pure rules: how it finds
//! where to log in ([`discovery`]), its registration and tokens
//! ([`login`]), its callback ([`callback`]) and how its secrets are kept
//! ([`sealed`]) (the OAuth login: feature `oauth`), the messages of a session
//! ([`session`]), the URLs it may reach ([`check_server_url`]) and what it
//! keeps ([`stored_list`]).

mod api;
#[cfg(feature = "oauth")]
pub mod callback;
mod challenge;
pub mod chat_names;
pub mod discovery;
mod error;
mod event_reader;
pub mod inbound;
mod inbox;
mod legacy;
mod link;
pub mod login;
#[cfg(feature = "oauth")]
mod oauth_flow;
#[cfg(feature = "oauth")]
mod oauth_store;
mod options;
pub mod retry;
#[cfg(feature = "oauth")]
pub mod sealed;
pub mod servers;
pub mod session;
mod store;
mod transport;

pub use api::McpClient;
pub(crate) use api::{connect_frame, with_reconnect_task};
pub use error::ClientError;
pub(crate) use link::Links;
pub use options::{
    check_server_url, stored_list, McpServerOptions, McpServerStatus, McpTransport, MAX_STORED_LIST_BYTES,
};
#[cfg(feature = "oauth")]
pub use sealed::TOKEN_KEY_BINDING;
pub use transport::{MAX_REPLY_BYTES, MAX_REPLY_EVENTS, REQUEST_TIMEOUT};
