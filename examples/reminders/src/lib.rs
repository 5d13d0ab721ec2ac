//! Example: a reminders agent, for scheduling.
//!
//! [`Reminders`] at `/agents/reminders/{name}`: clients schedule reminders over
//! RPC (`remind(text, seconds)`, `remindCron(text, expression, zone?)`),
//! `list` and `cancel` them; when one fires, every connected client gets a
//! `{"type":"reminder","text":...}` message and the synced state records it.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the agent with [`mount`].

mod reminders;
#[cfg(feature = "standalone")]
mod standalone;

pub use reminders::{Reminders, RemindersState};

use worker::Env;
use workers_agents::AgentRouter;

/// Adds the reminders agent to `router` (`/{prefix}/reminders/{name}`).
pub fn mount(router: AgentRouter, _env: &Env) -> AgentRouter {
    router.agent::<Reminders>()
}
