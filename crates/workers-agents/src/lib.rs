//! Stateful AI agents on Cloudflare Workers, in Rust.
//!
//! Each agent is a Durable Object with typed state that persists in its own
//! SQLite database and syncs live to every connected client, hibernating
//! WebSockets, typed RPC, and routing at `/agents/{agent}/{name}` — speaking
//! the wire protocol of the official `agents` npm clients (`AgentClient`,
//! `useAgent`), so existing front ends work unchanged.
//!
//! | part | what it does |
//! |---|---|
//! | [`Agent`] | the trait an agent implements: state type, hooks, callables |
//! | [`export_agent!`] | exports an agent as a Durable Object class |
//! | [`Context`] | state, SQL, connections, broadcast, env for the hooks |
//! | [`Callables`] | the methods clients may call, with typed args and results |
//! | [`When`], [`Tasks`] | schedules (delay, date, cron, interval) and a task queue on the alarm |
//! | [`Sql`] | the agent's SQLite with bound parameters and typed rows |
//! | [`Connection`] | one WebSocket client, with its own state and tags |
//! | [`AgentRouter`] | routes worker requests to agents, CORS, auth hooks |
//! | [`body`] | request bodies read with a limit, counted as they stream in |
//! | [`mcp`] | MCP server agents over Streamable HTTP and SSE, one instance per session (feature `mcp`) |
//! | [`ai`] | chat models (Workers AI, OpenAI-compatible), streamed replies stored for catch-up (feature `ai`) |
//!
//! Cargo features: `mcp` and `ai` (both on by default). An agent that uses
//! neither gets none of their tables, and without the features the bundle
//! carries none of their code.

// `#[derive(Schema)]` names `::workers_agents`, also inside this crate.
extern crate self as workers_agents;

mod agent;
#[cfg(feature = "ai")]
pub mod ai;
mod auth;
pub mod body;
#[cfg(feature = "chat")]
pub mod chat;
mod connection;
mod context;
mod error;
mod export;
mod host;
pub mod html;
mod ids;
mod macro_support;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(any(feature = "mcp", feature = "oauth"))]
mod net;
#[cfg(feature = "oauth")]
pub mod oauth;
pub mod prelude;
#[cfg(test)]
mod properties;
mod protocol;
mod router;
mod rpc;
mod schedule;
mod schema;
mod sse;
mod state;
mod storage;
pub mod typescript;

pub use agent::{Agent, Message};
pub use auth::Auth;
pub use connection::Connection;
pub use context::{Context, StateRef};
pub use error::{Error, Result};
pub use router::{
    get_agent_by_binding, get_agent_by_name, route_agent_request, AgentRouter, AgentStub, AgentTarget, Before, Routed,
};
pub use rpc::args::RpcArgs;
pub use rpc::callables::{Callables, StreamingResponse, YIELD_EVERY_CHUNKS};
pub use schedule::{
    Retry, Schedule, ScheduleFilter, ScheduleKind, ScheduleOptions, SchedulePage, ScheduleStatus, Task, TaskRef, Tasks,
    When, BOOKKEEPING_RETRY, MAX_ERROR_BYTES, MAX_PAYLOAD_BYTES, MAX_SCHEDULES_PAGE, MAX_SCHEDULES_PAGE_BYTES,
    MAX_SCHEDULE_AHEAD_MS,
};
#[doc(hidden)]
pub use schema::probe as __schema_probe;
pub use schema::{
    nested as nested_schema, AgentDescription, Describe, MethodDescription, ParamDescription, Schema, MAX_SCHEMA_DEPTH,
};
pub use sse::{sse_response, SseSender};
pub use state::StateSource;
pub use storage::param::SqlParam;
pub use storage::sql::{Sql, SqlValue};
pub use workers_agents_macros::{agent, callable, prompt, resource, task, tool, Schema};

/// What the code `export_agent!`, `#[agent]` and `#[derive(Schema)]`
/// generate needs; not for direct use.
#[doc(hidden)]
pub mod __private {
    pub use crate::agent::private::Exported;
    pub use crate::host::Host;
    pub use crate::macro_support::*;
}
