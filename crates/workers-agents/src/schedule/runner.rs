//! Runs due schedules from the Durable Object alarm and keeps the single
//! alarm pointed at the earliest pending schedule.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::Poll;

use super::limits::truncate_error;
use super::store::{self, Due, Row, Update};
use super::when::{next_interval_due, Retry, ScheduleKind};
use crate::host::panic::catch_panic;
use crate::{Agent, Context, Error, Result};

/// Most tasks one alarm runs before it yields (the alarm is re-armed at once).
const MAX_RUNS_PER_ALARM: usize = 5_000;
/// Most due rows read at once, and most payload bytes (4 MiB; at least one row).
const BATCH: usize = 100;
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// The wait before a schedule whose bookkeeping failed (its row could not be
/// updated or removed after its task ran) is tried again: 5 s, doubling with
/// each consecutive failure, at most an hour.
pub const BOOKKEEPING_RETRY: Retry = Retry { max_attempts: u32::MAX, base_delay_ms: 5_000, max_delay_ms: 3_600_000 };

pub(crate) fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// Runs every pending schedule that is due, in due order, one at a time.
pub(crate) async fn run_due<A: Agent>(ctx: &Context<A>) -> Result<()> {
    ctx.armed_alarm().cancelled.borrow_mut().clear();
    let mut ran = 0;
    'rounds: while ran < MAX_RUNS_PER_ALARM {
        // The rows of the last batch's finished one-shots go before the next read.
        settle_finished(ctx);
        let now = now_ms();
        let rows = store::due(ctx.sql(), now, &ctx.armed_alarm().stuck_ids(now), BATCH, BATCH_BYTES)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            run_one(ctx, row).await;
            ran += 1;
            if ran >= MAX_RUNS_PER_ALARM {
                break 'rounds;
            }
        }
    }
    settle_finished(ctx);
    rearm(ctx).await
}

/// Polls `future` once: its output, or `Pending` (it waits for I/O).
async fn poll_once<F: Future>(mut future: Pin<&mut F>) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await
}

/// Runs one due schedule and records the outcome. A failure to record it
/// (the row cannot be updated, a cron zone is gone) marks the row to be
/// tried again after [`BOOKKEEPING_RETRY`]; a row that cannot even be marked
/// is skipped by this wake until then. Either way the loop moves on.
///
/// A one-shot task that succeeded has its row deleted with the others of
/// its batch, in one statement ([`settle_finished`]), before anything else
/// can see the table: before the next batch is read, before a task reads or
/// changes schedules, and before a task waits for I/O (the rows then go
/// with the writes of the tasks that ran, in the same implicit transaction).
async fn run_one<A: Agent>(ctx: &Context<A>, due: Due) {
    // A task may cancel itself or others; skip rows cancelled since the batch was read.
    let armed = ctx.armed_alarm();
    if armed.was_cancelled(&due.id) {
        return;
    }
    let outcome = {
        let mut run = pin!(catch_panic(ctx.tasks().run(ctx.agent(), ctx, &due.callback, &due.payload)));
        match poll_once(run.as_mut()).await {
            Poll::Ready(outcome) => outcome,
            Poll::Pending => {
                settle_finished(ctx);
                run.await
            }
        }
    };
    let outcome = outcome.unwrap_or_else(|panic| Err(format!("task {} panicked: {panic}", due.callback)));
    if armed.was_cancelled(&due.id) {
        return;
    }
    if outcome.is_ok() && !due.repeats {
        armed.finished.borrow_mut().push(Finished { id: due.id, callback: due.callback, attempts: due.attempts });
        return;
    }
    let now = now_ms();
    let error = outcome.err().map(|e| truncate_error(&e).into_owned());
    if let Some(error) = &error {
        worker::console_error!(
            "[{}/{}] task {} ({}) failed: {error}",
            ctx.agent_class(),
            ctx.name(),
            due.callback,
            due.id
        );
    }
    settle_finished(ctx);
    let finished = Finished { id: due.id, callback: due.callback, attempts: due.attempts };
    let settled = match store::get(ctx.sql(), &finished.id) {
        // Deleted by the task itself, by SQL of its own.
        Ok(None) => {
            armed.unstick(&finished.id);
            return;
        }
        Ok(Some(row)) => settle(ctx, &row, error.as_deref(), now),
        Err(e) => Err(e),
    };
    match settled {
        Ok(()) => armed.unstick(&finished.id),
        Err(e) => mark_troubled(ctx, &finished, &e, now),
    }
}

/// Deletes the rows of the one-shot tasks that finished (one statement; if
/// it is refused, row by row, so that one row that cannot go holds back no
/// other).
pub(crate) fn settle_finished<A: Agent>(ctx: &Context<A>) {
    let armed = ctx.armed_alarm();
    // Inside a transaction of a task's own, the delete could be rolled back
    // with it after the rows left the list: they stay listed until after it.
    if ctx.sql().in_transaction() {
        return;
    }
    let finished = std::mem::take(&mut *armed.finished.borrow_mut());
    if finished.is_empty() {
        return;
    }
    let ids: Vec<String> = finished.iter().map(|f| f.id.clone()).collect();
    if store::delete_all(ctx.sql(), &ids).is_ok() {
        ids.iter().for_each(|id| armed.unstick(id));
        return;
    }
    let now = now_ms();
    for row in &finished {
        match store::delete(ctx.sql(), &row.id) {
            Ok(_) => armed.unstick(&row.id),
            Err(e) => mark_troubled(ctx, row, &e, now),
        }
    }
}

/// Removes a finished one-shot row, moves a repeating one to its next period,
/// or records a failed attempt.
fn settle<A: Agent>(ctx: &Context<A>, row: &Row, error: Option<&str>, now: i64) -> Result<()> {
    let update = match error {
        None if !row.kind.repeats() => {
            store::delete(ctx.sql(), &row.id)?;
            return Ok(());
        }
        None => next_period(row, now, row.failures, row.last_error.as_deref())?,
        Some(error) => {
            let attempts = row.attempts + 1;
            let failures = row.failures + 1;
            let retry = row.retry();
            if attempts < retry.max_attempts {
                let retry_at = now.saturating_add(retry.delay_after(attempts));
                let due_ms = if row.kind.repeats() { retry_at.min(next_cadence(row, now)?.0) } else { retry_at };
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
                next_period(row, now, failures, Some(error))?
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

/// The row's outcome could not be recorded: count a failed attempt, keep the
/// reason and try again after a backoff; if even that write is refused, this
/// wake leaves the row alone until then.
fn mark_troubled<A: Agent>(ctx: &Context<A>, row: &Finished, error: &Error, now: i64) {
    let message = format!("recording the run of task {} failed: {error}", row.callback);
    let message = truncate_error(&message);
    worker::console_error!("[{}/{}] schedule {}: {message}", ctx.agent_class(), ctx.name(), row.id);
    let armed = ctx.armed_alarm();
    let attempts = row.attempts.saturating_add(1).max(armed.stuck_tries(&row.id) + 1);
    let due_ms = now.saturating_add(BOOKKEEPING_RETRY.delay_after(attempts));
    let mark = store::mark_troubled(ctx.sql(), &row.id, due_ms, &message);
    match mark {
        Ok(()) => armed.unstick(&row.id),
        Err(e) => {
            worker::console_error!(
                "[{}/{}] schedule {} left until {due_ms}: {e}",
                ctx.agent_class(),
                ctx.name(),
                row.id
            );
            armed.stick(&row.id, due_ms, attempts);
        }
    }
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
        (ScheduleKind::Interval, Some(interval), _) if interval > 0 => {
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
/// costs no storage call when the earliest due time does not change; which
/// schedules were cancelled while due ones run, so that a batch read before a
/// task cancelled others does not run them; rows that could not be written
/// after their run (left alone until a time); and an upper bound of the
/// table's row count, for `Agent::MAX_SCHEDULES`.
#[derive(Debug, Default)]
pub(crate) struct ArmedAlarm {
    armed: Cell<Option<Option<i64>>>,
    cancelled: RefCell<HashSet<String>>,
    /// Id → (not before, consecutive failures to write it).
    stuck: RefCell<HashMap<String, (i64, u32)>>,
    pub(crate) rows: Cell<Option<u64>>,
    /// Bytes of payloads, counted like `rows`, for `Agent::MAX_SCHEDULE_PAYLOAD_BYTES`.
    pub(crate) payload_bytes: Cell<Option<u64>>,
    /// One-shot tasks that ran and whose rows are still to be deleted.
    finished: RefCell<Vec<Finished>>,
}

/// A schedule whose run is over, as its bookkeeping needs it.
#[derive(Debug)]
struct Finished {
    id: String,
    callback: String,
    attempts: u32,
}

impl ArmedAlarm {
    /// The runtime cleared the alarm (it fired) or the wake is new: unknown.
    pub(crate) fn forget(&self) {
        self.armed.set(None);
    }

    pub(crate) fn note_cancelled(&self, id: &str) {
        self.cancelled.borrow_mut().insert(id.to_owned());
        self.unstick(id);
    }

    fn was_cancelled(&self, id: &str) -> bool {
        self.cancelled.borrow().contains(id)
    }

    fn stick(&self, id: &str, until: i64, tries: u32) {
        self.stuck.borrow_mut().insert(id.to_owned(), (until, tries));
    }

    fn unstick(&self, id: &str) {
        if !self.stuck.borrow().is_empty() {
            self.stuck.borrow_mut().remove(id);
        }
    }

    fn stuck_tries(&self, id: &str) -> u32 {
        self.stuck.borrow().get(id).map_or(0, |&(_, tries)| tries)
    }

    /// The stuck rows whose time has not come at `now`.
    fn stuck_ids(&self, now: i64) -> Vec<String> {
        self.stuck.borrow().iter().filter(|(_, &(until, _))| until > now).map(|(id, _)| id.clone()).collect()
    }

    /// The earliest time a stuck row is tried again.
    fn earliest_unstuck(&self) -> Option<i64> {
        self.stuck.borrow().values().map(|&(until, _)| until).min()
    }
}

/// After a schedule due at `due` was added: an alarm this wake armed at or
/// before it stays as it is (no query); otherwise [`rearm`].
pub(crate) async fn rearm_for<A: Agent>(ctx: &Context<A>, due: i64) -> Result<()> {
    if matches!(ctx.armed_alarm().armed.get(), Some(Some(at)) if at <= due) {
        return Ok(());
    }
    rearm(ctx).await
}

/// Points the alarm at the earliest pending schedule, or clears it.
pub(crate) async fn rearm<A: Agent>(ctx: &Context<A>) -> Result<()> {
    let armed = ctx.armed_alarm();
    settle_finished(ctx);
    let pending = store::earliest_due(ctx.sql(), &armed.stuck_ids(now_ms()))?;
    // Other parts may want the alarm too (an MCP session's expiry).
    let wanted = [pending, armed.earliest_unstuck(), ctx.parts.wake_at(ctx)?].into_iter().flatten().min();
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
