//! The benchmark agent: the same interface as the TypeScript reference in
//! bench/ts/src/index.ts, so one driver measures both.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::Env;
use workers_agents::params;
use workers_agents::prelude::*;

/// `{"counter":0,"items":[]}`, as in the reference.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BenchState {
    counter: i64,
    items: Vec<Value>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Tick {
    i: i64,
    due: i64,
    fired: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct TickPayload {
    i: i64,
    due: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// The benchmark agent: the TypeScript reference's methods, for one driver to measure both.
#[derive(Debug)]
pub struct BenchAgent;

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// The benchmark agent.
#[agent]
impl Agent for BenchAgent {
    type State = BenchState;

    fn new(_env: &Env) -> Self {
        BenchAgent
    }

    fn initial_state(&self) -> BenchState {
        BenchState::default()
    }

    async fn on_start(&self, ctx: &Context<Self>) -> Result<()> {
        ctx.sql().execute_batch(
            "CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS ticks (i INTEGER NOT NULL, due INTEGER NOT NULL, fired INTEGER NOT NULL)",
        )
    }

    #[callable]
    async fn echo(&self, x: Value) -> Result<Value> {
        Ok(x)
    }

    #[callable]
    async fn inc(&self, ctx: &Context<Self>, n: i64) -> Result<i64> {
        ctx.update_state(|s| s.counter += n)?;
        Ok(ctx.state()?.counter)
    }

    #[callable]
    async fn set_items(&self, ctx: &Context<Self>, items: Vec<Value>) -> Result<usize> {
        let len = items.len();
        ctx.update_state(|s| s.items = items)?;
        Ok(len)
    }

    #[callable]
    async fn sql_insert(&self, ctx: &Context<Self>, count: u32) -> Result<i64> {
        let rows: Vec<Vec<Value>> = (0..count).map(|i| vec![json!(i)]).collect();
        ctx.sql().insert_many("bench_rows", &["v"], &rows)?;
        let total: Option<Count> = ctx.sql().query_one("SELECT COUNT(*) AS n FROM bench_rows", params![])?;
        Ok(total.map_or(0, |c| c.n))
    }

    #[callable]
    async fn schedule_many(&self, ctx: &Context<Self>, n: u32, delay_seconds: f64) -> Result<Value> {
        let base = now_ms();
        let due = base + (delay_seconds * 1000.0).round() as i64;
        for i in 0..i64::from(n) {
            ctx.schedule(When::At(due), Self::ON_TICK, &TickPayload { i, due }).await?;
        }
        Ok(json!({ "scheduled": n, "base": base, "due": due }))
    }

    #[task]
    async fn on_tick(&self, ctx: &Context<Self>, tick: TickPayload) -> Result<()> {
        ctx.sql().execute("INSERT INTO ticks (i, due, fired) VALUES (?, ?, ?)", params![tick.i, tick.due, now_ms()])?;
        Ok(())
    }

    #[callable]
    async fn ticks(&self, ctx: &Context<Self>) -> Result<Vec<Tick>> {
        ctx.sql().query("SELECT i, due, fired FROM ticks ORDER BY i", params![])
    }
}
