//! Example: an AI assistant whose replies are durable and resumable.
//!
//! [`Assistant`] at `/agents/assistant/{name}`: a prompt over WebSocket
//! (streaming RPC `ask`) or HTTP (`POST .../chat`, answered as SSE), the answer
//! streamed from the configured model and stored as it arrives, the history
//! kept as the model's context, and catch-up for clients that reconnect
//! mid-answer (`resume`, `GET .../messages/{id}?offset=`).
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the agent with [`mount`].

mod assistant;
#[cfg(feature = "standalone")]
mod standalone;

pub use assistant::Assistant;

use worker::Env;
use workers_agents::AgentRouter;

/// Adds the assistant agent to `router` (`/{prefix}/assistant/{name}`).
pub fn mount(router: AgentRouter, _env: &Env) -> AgentRouter {
    router.agent::<Assistant>()
}
