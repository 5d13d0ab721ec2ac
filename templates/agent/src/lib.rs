//! A counter agent: typed state synced to every connected client, stored in the agent's own SQLite.
//!
//! Served at `/agents/counter/{name}`: every name is its own counter (its own Durable Object).

use serde::{Deserialize, Serialize};
use workers_agents::prelude::*;

/// The counter's state, as clients see it (`agent.state`, `onStateUpdate`).
#[derive(Clone, Serialize, Deserialize, Schema)]
pub struct CounterState {
    /// The count.
    pub count: i64,
}

/// A counter any number of clients share.
pub struct Counter;

/// Largest step of `increment`, either way.
const MAX_STEP: i64 = 1000;

#[agent] // exports the Durable Object class `Counter` (wrangler.toml), and a typed stub for other agents
impl Agent for Counter {
    type State = CounterState;

    fn new(_env: &worker::Env) -> Self {
        Counter
    }

    fn initial_state(&self) -> CounterState {
        CounterState { count: 0 }
    }

    /// Adds `by` (default 1) to the count and returns the new count; every client receives the new state.
    #[callable]
    async fn increment(&self, ctx: &Context<Self>, by: Option<i64>) -> Result<i64> {
        let by = by.unwrap_or(1);
        if !(-MAX_STEP..=MAX_STEP).contains(&by) {
            // Reaches the client as written: the call rejects with this message.
            return Err(Error::BadRequest(format!("increment by at most {MAX_STEP} either way (got {by})")));
        }
        ctx.update_state(|s| s.count += by)?;
        Ok(ctx.state()?.count)
    }

    /// The count (no arguments: clients call `get()`).
    #[callable]
    async fn get(&self, ctx: &Context<Self>) -> Result<i64> {
        Ok(ctx.state()?.count)
    }
}

/// The worker: agents at `/agents/{agent}/{name}`, anything else 404.
#[worker::event(fetch)]
async fn fetch(req: worker::Request, env: worker::Env, _ctx: worker::Context) -> worker::Result<worker::Response> {
    AgentRouter::new().agent::<Counter>().serve(req, &env).await
}
