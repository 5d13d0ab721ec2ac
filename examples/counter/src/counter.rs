//! A counter: typed state synced to every client, callable methods, a
//! streaming countdown, and a validation rule.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::{export_agent, Agent, Callables, Connection, Context, StateSource, StreamingResponse};

/// The counter's state, as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CounterState {
    count: i64,
}

/// The counter agent: `increment`, `get`, `add`, the streaming `countdown`.
#[derive(Debug)]
pub struct Counter;

type Ctx = Context<Counter>;

impl Counter {
    async fn increment(&self, ctx: &Ctx, (by,): (Option<i64>,)) -> workers_agents::Result<i64> {
        ctx.update_state(|s| s.count += by.unwrap_or(1))?;
        Ok(ctx.state()?.count)
    }

    async fn get(&self, ctx: &Ctx, (): ()) -> workers_agents::Result<i64> {
        Ok(ctx.state()?.count)
    }

    async fn add(&self, _ctx: &Ctx, (a, b): (i64, i64)) -> Result<i64, String> {
        a.checked_add(b).ok_or_else(|| "overflow".to_owned())
    }

    async fn countdown(
        &self,
        _ctx: &Ctx,
        stream: StreamingResponse,
        (from,): (u32,),
    ) -> workers_agents::Result<&'static str> {
        for n in (1..=from).rev() {
            stream.send(&n)?;
        }
        Ok("liftoff")
    }
}

impl Agent for Counter {
    type State = CounterState;

    fn new(_env: &Env) -> Self {
        Counter
    }

    fn initial_state(&self) -> CounterState {
        CounterState { count: 0 }
    }

    fn callables() -> Callables<Self> {
        Callables::new()
            .method("increment", Self::increment)
            .method("get", Self::get)
            .method("add", Self::add)
            .streaming("countdown", Self::countdown)
    }

    fn should_connection_be_readonly(&self, _ctx: &Ctx, _connection: &Connection, req: &worker::Request) -> bool {
        req.url().is_ok_and(|url| url.query_pairs().any(|(k, v)| k == "readonly" && v == "1"))
    }

    fn validate_state_change(&self, _ctx: &Ctx, next: &CounterState, _source: StateSource<'_>) -> Result<(), String> {
        if next.count < 0 {
            return Err(format!("count must not be negative (got {})", next.count));
        }
        Ok(())
    }
}

export_agent!(Counter);
