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
//! | [`mcp`] | MCP server agents over Streamable HTTP and SSE, one instance per session |
//! | [`ai`] | chat models (Workers AI, OpenAI-compatible), streamed replies stored for catch-up |
//! | [`protocol`], [`routing`] | the wire frames and URL rules (pure Rust) |

mod agent;
pub mod ai;
mod caller;
mod chunk_slots;
mod chunks;
mod connection;
mod context;
mod eager;
mod error;
mod export;
mod host;
mod ids;
mod js_text;
mod json_writer;
pub mod mcp;
mod panic;
pub mod protocol;
mod router;
pub mod routing;
mod rpc;
mod rpc_args;
pub mod schedule;
mod schema;
mod sql;
mod sse_response;
mod state;

pub use agent::{Agent, Message};
pub use connection::Connection;
pub use context::{Context, StateRef};
pub use error::{Error, Result};
pub use host::Host;
pub use router::{
    get_agent_by_binding, get_agent_by_name, route_agent_request, AgentRouter, AgentStub, AgentTarget, Before,
};
pub use rpc::{Callables, StreamingResponse};
pub use rpc_args::RpcArgs;
pub use schedule::{Retry, Schedule, ScheduleFilter, ScheduleKind, ScheduleOptions, ScheduleStatus, Tasks, When};
pub use sql::{Sql, SqlValue};
pub use sse_response::{sse_response, SseSender};
pub use state::StateSource;

#[doc(hidden)]
pub mod __private {
    pub use crate::agent::private::Exported;
}
