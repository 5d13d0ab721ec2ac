//! The benchmark agent: the same interface as the TypeScript reference in
//! bench/ts/src/index.ts, so one driver measures both.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::Env;
use workers_agents::{export_agent, params, Agent, Callables, Context, Tasks, When};

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

type Ctx = Context<BenchAgent>;
type Res<T> = workers_agents::Result<T>;

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

impl BenchAgent {
    async fn echo(&self, _ctx: &Ctx, (x,): (Value,)) -> Res<Value> {
        Ok(x)
    }

    async fn inc(&self, ctx: &Ctx, (n,): (i64,)) -> Res<i64> {
        ctx.update_state(|s| s.counter += n)?;
        Ok(ctx.state()?.counter)
    }

    async fn set_items(&self, ctx: &Ctx, (items,): (Vec<Value>,)) -> Res<usize> {
        let len = items.len();
        ctx.update_state(|s| s.items = items)?;
        Ok(len)
    }

    async fn sql_insert(&self, ctx: &Ctx, (count,): (u32,)) -> Res<i64> {
        let rows: Vec<Vec<Value>> = (0..count).map(|i| vec![json!(i)]).collect();
        ctx.sql().insert_many("bench_rows", &["v"], &rows)?;
        let total: Option<Count> = ctx.sql().query_one("SELECT COUNT(*) AS n FROM bench_rows", params![])?;
        Ok(total.map_or(0, |c| c.n))
    }

    async fn schedule_many(&self, ctx: &Ctx, (n, delay_seconds): (u32, f64)) -> Res<Value> {
        let base = now_ms();
        let due = base + (delay_seconds * 1000.0).round() as i64;
        for i in 0..i64::from(n) {
            ctx.schedule(When::At(due), "onTick", &TickPayload { i, due }).await?;
        }
        Ok(json!({ "scheduled": n, "base": base, "due": due }))
    }

    async fn on_tick(&self, ctx: &Ctx, tick: TickPayload) -> Res<()> {
        ctx.sql().execute("INSERT INTO ticks (i, due, fired) VALUES (?, ?, ?)", params![tick.i, tick.due, now_ms()])?;
        Ok(())
    }

    async fn ticks(&self, ctx: &Ctx, (): ()) -> Res<Vec<Tick>> {
        ctx.sql().query("SELECT i, due, fired FROM ticks ORDER BY i", params![])
    }
}

impl Agent for BenchAgent {
    type State = BenchState;

    fn new(_env: &Env) -> Self {
        BenchAgent
    }

    fn initial_state(&self) -> BenchState {
        BenchState::default()
    }

    fn callables() -> Callables<Self> {
        Callables::new()
            .method("echo", Self::echo)
            .method("inc", Self::inc)
            .method("setItems", Self::set_items)
            .method("sqlInsert", Self::sql_insert)
            .method("scheduleMany", Self::schedule_many)
            .method("ticks", Self::ticks)
    }

    fn tasks() -> Tasks<Self> {
        Tasks::new().task("onTick", Self::on_tick)
    }

    async fn on_start(&self, ctx: &Ctx) -> Res<()> {
        ctx.sql().execute_batch(
            "CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS ticks (i INTEGER NOT NULL, due INTEGER NOT NULL, fired INTEGER NOT NULL)",
        )
    }
}

export_agent!(BenchAgent);
