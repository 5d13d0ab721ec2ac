//! What an agent's file needs, in one import: `use workers_agents::prelude::*;`.
//!
//! The trait and its context, connections and messages, the one error type
//! and its `Result`, the `#[agent]` macro and its method attributes,
//! `#[derive(Schema)]`, schedules, and (feature `mcp`) the types an MCP
//! server names; AI types stay in `workers_agents::ai`. `Result` here is the
//! framework's (its error type defaults to [`Error`]), so glob this beside
//! the `worker` items you name (`use worker::{Env, Request, Response};`),
//! not beside `use worker::*`, which has a `Result` and an `Error` of its own.
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//! use workers_agents::prelude::*;
//!
//! #[derive(Clone, Serialize, Deserialize, Schema)]
//! pub struct Count { n: i64 }
//!
//! pub struct Counter;
//!
//! #[agent]
//! impl Agent for Counter {
//!     type State = Count;
//!     fn new(_env: &worker::Env) -> Self { Counter }
//!     fn initial_state(&self) -> Count { Count { n: 0 } }
//!
//!     #[callable]
//!     async fn add(&self, ctx: &Context<Self>, by: i64) -> Result<i64> {
//!         if by < 0 {
//!             return Err(Error::msg("add a positive number"));
//!         }
//!         ctx.update_state(|s| s.n += by)?;
//!         Ok(ctx.state()?.n)
//!     }
//! }
//! # fn main() {}
//! ```

pub use crate::{
    agent, callable, export_agent, params, prompt, resource, task, tool, Agent, AgentRouter, Auth, Callables,
    Connection, Context, Error, Message, Result, Schedule, Schema, StateSource, StreamingResponse, Task, Tasks, When,
};

#[cfg(feature = "mcp")]
pub use crate::mcp::{
    Content, LogLevel, McpServer, NoArgs, Peer, Prompt, PromptMessage, PromptResult, Resource, ResourceContents,
    ResourceRequest, Tool, ToolResult,
};
