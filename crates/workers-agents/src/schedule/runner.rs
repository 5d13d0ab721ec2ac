//! Runs due schedules from the Durable Object alarm and keeps the single
//! alarm pointed at the earliest pending schedule.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use super::store::{self, Row, Update};
use super::when::{next_interval_due, ScheduleKind};
use crate::host::panic::catch_panic;
use crate::{Agent, Context, Result};

/// Most tasks one alarm runs before it yields (the alarm is re-armed at once).
const MAX_RUNS_PER_ALARM: usize = 5_000;
const BATCH: i64 = 100;

pub(crate) fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// Runs every pending schedule that is due, in due order, one at a time.
pub(crate) async fn run_due<A: Agent>(ctx: &Context<A>) -> Result<()> {
    ctx.armed_alarm().cancelled.borrow_mut().clear();
    let mut ran = 0;
    'rounds: while ran < MAX_RUNS_PER_ALARM {
        let rows = store::due(ctx.sql(), now_ms(), BATCH)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            run_one(ctx, row).await?;
            ran += 1;
            if ran >= MAX_RUNS_PER_ALARM {
                break 'rounds;
            }
        }
    }
    rearm(ctx).await
}

async fn run_one<A: Agent>(ctx: &Context<A>, row: Row) -> Result<()> {
    // A task may cancel itself or others; skip rows cancelled since the batch was read.
    if ctx.armed_alarm().was_cancelled(&row.id) {
        return Ok(());
    }
    let outcome = catch_panic(ctx.tasks().run(ctx.agent(), ctx, &row.callback, &row.payload))
        .await
        .unwrap_or_else(|panic| Err(format!("task {} panicked: {panic}", row.callback)));
    let now = now_ms();
    if ctx.armed_alarm().was_cancelled(&row.id) {
        return Ok(());
    }
    let update = match outcome {
        Ok(()) if !row.kind.repeats() => {
            store::delete(ctx.sql(), &row.id)?;
            return Ok(());
        }
        Ok(()) => next_period(&row, now, row.failures, row.last_error.as_deref())?,
        Err(ref error) => {
            worker::console_error!(
                "[{}/{}] task {} ({}) failed: {error}",
                ctx.agent_class(),
                ctx.name(),
                row.callback,
                row.id
            );
            let attempts = row.attempts + 1;
            let failures = row.failures + 1;
            let retry = row.retry();
            if attempts < retry.max_attempts {
                let retry_at = now + retry.delay_after(attempts);
                let due_ms = if row.kind.repeats() { retry_at.min(next_cadence(&row, now)?.0) } else { retry_at };
                Update {
                    due_ms,
                    anchor_ms: row.anchor_ms,
                    status: "pending",
                    attempts,
                    runs: row.runs,
                    failures,
                    last_error: Some(error),
                }
            } else if row.kind.repeats() {
                next_period(&row, now, failures, Some(error))?
            } else {
                Update {
                    due_ms: row.due_ms,
                    anchor_ms: row.anchor_ms,
                    status: "failed",
                    attempts,
                    runs: row.runs + 1,
                    failures,
                    last_error: Some(error),
                }
            }
        }
    };
    store::update(ctx.sql(), &row.id, &update)
}

/// A repeating schedule's row after a finished period (run or finally failed):
/// due at its next cadence point, attempts reset.
fn next_period<'a>(row: &'a Row, now: i64, failures: u32, last_error: Option<&'a str>) -> Result<Update<'a>> {
    let (due_ms, anchor_ms) = next_cadence(row, now)?;
    Ok(Update { due_ms, anchor_ms, status: "pending", attempts: 0, runs: row.runs + 1, failures, last_error })
}

/// The next due time (and cadence anchor) of a repeating schedule after `now`.
fn next_cadence(row: &Row, now: i64) -> Result<(i64, i64)> {
    match (row.kind, row.interval_ms, &row.cron) {
        (ScheduleKind::Interval, Some(interval), _) => {
            let next = next_interval_due(row.anchor_ms, interval, now);
            Ok((next, next))
        }
        (ScheduleKind::Cron, _, Some(expression)) => {
            let cron = super::cron::Cron::parse(expression).map_err(|e| crate::Error::BadRequest(e.to_string()))?;
            let next = super::next_cron(&cron, row.zone.as_deref(), now.max(row.anchor_ms))
                .map_err(crate::Error::BadRequest)?;
            Ok((next, next))
        }
        _ => Ok((row.due_ms, row.anchor_ms)),
    }
}

/// What this wake last armed the alarm for, so that scheduling many tasks
/// costs no storage call when the earliest due time does not change; and
/// which schedules were cancelled while due ones run, so that a batch read
/// before a task cancelled others does not run them.
#[derive(Debug, Default)]
pub(crate) struct ArmedAlarm {
    armed: Cell<Option<Option<i64>>>,
    cancelled: RefCell<HashSet<String>>,
    /// An upper bound of the table's row count, for `Agent::MAX_SCHEDULES`.
    pub(crate) rows: Cell<Option<u64>>,
}

impl ArmedAlarm {
    /// The runtime cleared the alarm (it fired) or the wake is new: unknown.
    pub(crate) fn forget(&self) {
        self.armed.set(None);
    }

    pub(crate) fn note_cancelled(&self, id: &str) {
        self.cancelled.borrow_mut().insert(id.to_owned());
    }

    fn was_cancelled(&self, id: &str) -> bool {
        self.cancelled.borrow().contains(id)
    }
}

/// Points the alarm at the earliest pending schedule, or clears it.
pub(crate) async fn rearm<A: Agent>(ctx: &Context<A>) -> Result<()> {
    let wanted = store::earliest_due(ctx.sql())?;
    let armed = ctx.armed_alarm();
    if armed.armed.get() == Some(wanted) {
        return Ok(());
    }
    let storage = ctx.durable_object().storage();
    match wanted {
        Some(due) => {
            // An i64 would be read as an offset: pass the absolute time as a Date.
            let at = worker::js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(due as f64));
            storage.set_alarm(worker::ScheduledTime::new(at)).await?;
        }
        None => storage.delete_alarm().await?,
    }
    armed.armed.set(Some(wanted));
    Ok(())
}
