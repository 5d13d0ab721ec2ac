//! A fixture agent for the scheduling tests: schedules anything a test asks
//! for and records every task run in SQL.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::Env;
use workers_agents::{
    export_agent, params, Agent, Callables, Context, Retry, Schedule, ScheduleFilter, ScheduleKind, ScheduleOptions,
    ScheduleStatus, Tasks, When,
};

/// A run of the `record` task.
#[derive(Debug, Serialize, Deserialize)]
struct Run {
    label: String,
    fired_ms: f64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Label {
    label: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Flaky {
    label: String,
    fail_times: u32,
}

/// How a test says when: exactly one of the fields.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WhenSpec {
    delay_ms: Option<i64>,
    at_ms: Option<i64>,
    cron: Option<String>,
    zone: Option<String>,
    every_ms: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OptionsSpec {
    idempotent: Option<bool>,
    max_attempts: Option<u32>,
    base_delay_ms: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FilterSpec {
    kind: Option<ScheduleKind>,
    status: Option<ScheduleStatus>,
    due_from: Option<i64>,
    due_to: Option<i64>,
}

pub(crate) struct Jobs;

type Ctx = Context<Jobs>;
type Res<T> = workers_agents::Result<T>;

fn when(spec: WhenSpec) -> Result<When, String> {
    match spec {
        WhenSpec { delay_ms: Some(ms), at_ms: None, cron: None, every_ms: None, .. } => Ok(When::Delay(ms)),
        WhenSpec { at_ms: Some(ms), delay_ms: None, cron: None, every_ms: None, .. } => Ok(When::At(ms)),
        WhenSpec { cron: Some(expression), zone, delay_ms: None, at_ms: None, every_ms: None } => {
            Ok(When::Cron { expression, zone })
        }
        WhenSpec { every_ms: Some(ms), delay_ms: None, at_ms: None, cron: None, .. } => Ok(When::Every(ms)),
        _ => Err("give exactly one of delayMs, atMs, cron, everyMs".into()),
    }
}

impl Jobs {
    fn record_run(&self, ctx: &Ctx, label: &str) -> Res<()> {
        let fired = worker::Date::now().as_millis() as f64;
        ctx.sql().execute("INSERT INTO runs (label, fired_ms) VALUES (?, ?)", params![label, fired])?;
        Ok(())
    }

    async fn record(&self, ctx: &Ctx, payload: Label) -> Res<()> {
        self.record_run(ctx, &payload.label)
    }

    async fn flaky(&self, ctx: &Ctx, payload: Flaky) -> Result<(), String> {
        #[derive(Deserialize)]
        struct N {
            n: i64,
        }
        let label = format!("attempt:{}", payload.label);
        self.record_run(ctx, &label).map_err(|e| e.to_string())?;
        let attempts: Option<N> = ctx
            .sql()
            .query_one("SELECT COUNT(*) AS n FROM runs WHERE label = ?", params![label.as_str()])
            .map_err(|e| e.to_string())?;
        let attempts = attempts.map_or(0, |n| n.n) as u32;
        if attempts <= payload.fail_times {
            return Err(format!("{} failing on attempt {attempts}", payload.label));
        }
        self.record_run(ctx, &payload.label).map_err(|e| e.to_string())
    }

    async fn panicky(&self, _ctx: &Ctx, payload: Label) -> Res<()> {
        panic!("task {} panicked on purpose", payload.label)
    }

    async fn schedule(
        &self,
        ctx: &Ctx,
        (spec, callback, payload, options): (WhenSpec, String, Value, Option<OptionsSpec>),
    ) -> Res<Schedule> {
        let when = when(spec).map_err(workers_agents::Error::BadRequest)?;
        let options = options.unwrap_or_default();
        let defaults = Retry::default();
        let retry = Retry {
            max_attempts: options.max_attempts.unwrap_or(defaults.max_attempts),
            base_delay_ms: options.base_delay_ms.unwrap_or(defaults.base_delay_ms),
            ..defaults
        };
        ctx.schedule_with(when, &callback, &payload, ScheduleOptions { idempotent: options.idempotent, retry }).await
    }

    /// Schedules `count` `record` tasks, all due `delay_ms` from now.
    async fn schedule_many(&self, ctx: &Ctx, (count, delay_ms): (u32, i64)) -> Res<Value> {
        let due = worker::Date::now().as_millis() as i64 + delay_ms;
        for i in 0..count {
            ctx.schedule(When::At(due), "record", &Label { label: format!("many-{i}") }).await?;
        }
        Ok(serde_json::json!({ "scheduled": count, "due": due }))
    }

    async fn run_count(&self, ctx: &Ctx, (): ()) -> Res<i64> {
        #[derive(Deserialize)]
        struct N {
            n: i64,
        }
        let n: Option<N> = ctx.sql().query_one("SELECT COUNT(*) AS n FROM runs", params![])?;
        Ok(n.map_or(0, |n| n.n))
    }

    async fn queue(&self, ctx: &Ctx, (callback, payload): (String, Value)) -> Res<Schedule> {
        ctx.queue(&callback, &payload).await
    }

    /// Queues a `record` task per label, dequeues the one at `drop`, and
    /// returns the queue: all in one event, so no alarm runs in between.
    async fn queue_many(&self, ctx: &Ctx, (labels, drop): (Vec<String>, usize)) -> Res<Vec<Schedule>> {
        let mut ids = Vec::new();
        for label in labels {
            ids.push(ctx.queue("record", &Label { label }).await?.id);
        }
        if let Some(id) = ids.get(drop) {
            ctx.dequeue(id).await?;
        }
        ctx.queued()
    }

    async fn cancel(&self, ctx: &Ctx, (id,): (String,)) -> Res<()> {
        ctx.cancel_schedule(&id).await
    }

    async fn dequeue(&self, ctx: &Ctx, (id,): (String,)) -> Res<()> {
        ctx.dequeue(&id).await
    }

    async fn get(&self, ctx: &Ctx, (id,): (String,)) -> Res<Option<Schedule>> {
        ctx.get_schedule(&id)
    }

    async fn list(&self, ctx: &Ctx, (filter,): (Option<FilterSpec>,)) -> Res<Vec<Schedule>> {
        let f = filter.unwrap_or_default();
        ctx.get_schedules(&ScheduleFilter {
            kind: f.kind,
            status: f.status,
            callback: None,
            due_from: f.due_from,
            due_to: f.due_to,
        })
    }

    async fn queued(&self, ctx: &Ctx, (): ()) -> Res<Vec<Schedule>> {
        ctx.queued()
    }

    async fn run_now(&self, ctx: &Ctx, (id,): (String,)) -> Res<()> {
        ctx.run_schedule_now(&id).await
    }

    async fn runs(&self, ctx: &Ctx, (): ()) -> Res<Vec<Run>> {
        ctx.sql().query("SELECT label, fired_ms FROM runs ORDER BY id", params![])
    }

    async fn alarm(&self, ctx: &Ctx, (): ()) -> Res<Option<i64>> {
        Ok(ctx.durable_object().storage().get_alarm().await?)
    }

    async fn now(&self, _ctx: &Ctx, (): ()) -> Res<f64> {
        Ok(worker::Date::now().as_millis() as f64)
    }
}

impl Agent for Jobs {
    type State = ();

    fn new(_env: &Env) -> Self {
        Jobs
    }

    fn initial_state(&self) {}

    fn callables() -> Callables<Self> {
        Callables::new()
            .method("schedule", Self::schedule)
            .method("scheduleMany", Self::schedule_many)
            .method("queue", Self::queue)
            .method("queueMany", Self::queue_many)
            .method("cancel", Self::cancel)
            .method("dequeue", Self::dequeue)
            .method("get", Self::get)
            .method("list", Self::list)
            .method("queued", Self::queued)
            .method("runNow", Self::run_now)
            .method("runs", Self::runs)
            .method("runCount", Self::run_count)
            .method("alarm", Self::alarm)
            .method("now", Self::now)
    }

    fn tasks() -> Tasks<Self> {
        Tasks::new().task("record", Self::record).task("flaky", Self::flaky).task("panicky", Self::panicky)
    }

    async fn on_start(&self, ctx: &Ctx) -> Res<()> {
        ctx.sql().execute_batch(
            "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, label TEXT NOT NULL, fired_ms REAL NOT NULL)",
        )
    }
}

export_agent!(Jobs);
