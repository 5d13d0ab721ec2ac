//! A counter: typed state synced to every client, callable methods, a
//! streaming countdown, and a validation rule.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::prelude::*;

/// The counter's state, as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, Schema)]
pub struct CounterState {
    /// The count.
    count: i64,
}

/// The counter agent: `increment`, `get`, `add`, the streaming `countdown`.
#[derive(Debug)]
pub struct Counter;

/// Largest step of `increment`, either way.
const MAX_STEP: i64 = 1_000_000;
/// Largest count and `add` operand or sum, either way: 2^53 - 1, the largest
/// integer a JS number holds exactly, so every client reads the true value.
const MAX_SAFE: i64 = (1 << 53) - 1;
/// Longest countdown, in numbers streamed.
const MAX_COUNTDOWN: u32 = 1000;

fn safe(n: i64, what: &str) -> Result<i64, String> {
    if !(-MAX_SAFE..=MAX_SAFE).contains(&n) {
        return Err(format!("{what} must be within ±{MAX_SAFE} (2^53 - 1; got {n})"));
    }
    Ok(n)
}

/// A counter any number of clients share.
#[agent]
impl Agent for Counter {
    type State = CounterState;

    /// Its frames are a few numbers: 64 KiB is plenty.
    const MAX_MESSAGE_BYTES: usize = 64 * 1024;

    fn new(_env: &Env) -> Self {
        Counter
    }

    fn initial_state(&self) -> CounterState {
        CounterState { count: 0 }
    }

    /// Adds `by` (default 1) to the count and returns the new count.
    #[callable]
    async fn increment(&self, ctx: &Context<Self>, by: Option<i64>) -> Result<i64> {
        let by = by.unwrap_or(1);
        if !(-MAX_STEP..=MAX_STEP).contains(&by) {
            return Err(Error::BadRequest(format!("increment by at most {MAX_STEP} either way (got {by})")));
        }
        // The sum stays in i64 (both are bounded); the state rule bounds the count.
        ctx.update_state(|s| s.count = s.count.saturating_add(by))?;
        Ok(ctx.state()?.count)
    }

    /// The count.
    #[callable]
    async fn get(&self, ctx: &Context<Self>) -> Result<i64> {
        Ok(ctx.state()?.count)
    }

    /// `a + b`, within a JS number's exact range.
    #[callable]
    async fn add(&self, a: i64, b: i64) -> Result<i64, String> {
        safe(safe(a, "a")?.saturating_add(safe(b, "b")?), "the sum")
    }

    /// Streams `from`, `from - 1`, … 1, then answers "liftoff".
    #[callable(streaming)]
    async fn countdown(&self, stream: StreamingResponse, from: u32) -> Result<&'static str> {
        if from > MAX_COUNTDOWN {
            return Err(Error::BadRequest(format!("countdown from at most {MAX_COUNTDOWN} (got {from})")));
        }
        for n in (1..=from).rev() {
            stream.send(&n).await?;
        }
        Ok("liftoff")
    }

    fn should_connection_be_readonly(
        &self,
        _ctx: &Context<Self>,
        _connection: &Connection,
        req: &worker::Request,
    ) -> bool {
        req.url().is_ok_and(|url| url.query_pairs().any(|(k, v)| k == "readonly" && v == "1"))
    }

    fn validate_state_change(
        &self,
        _ctx: &Context<Self>,
        next: &CounterState,
        _source: StateSource<'_>,
    ) -> Result<(), String> {
        if next.count < 0 {
            return Err(format!("count must not be negative (got {})", next.count));
        }
        safe(next.count, "count").map(|_| ())
    }
}
