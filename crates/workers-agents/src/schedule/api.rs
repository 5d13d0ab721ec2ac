//! The scheduling methods of [`Context`]: schedule, queue, list, cancel.

use serde::{Deserialize, Serialize};

use super::limits::{Cursor, MAX_SCHEDULES_PAGE, MAX_SCHEDULES_PAGE_BYTES};
use super::runner::{now_ms, rearm, rearm_for, settle_finished};
use super::store::{self, NewSchedule, Schedule, ScheduleFilter};
use super::tasks::TaskRef;
use super::when::{plan, Retry, ScheduleKind, When};
use crate::{Agent, Context, Error, Result};

/// Largest accepted task payload (JSON), in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// A page of schedules, from [`Context::get_schedules_page`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchedulePage {
    /// The schedules, by due time (then creation).
    pub schedules: Vec<Schedule>,
    /// What to pass for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Options of [`Context::schedule_with`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleOptions {
    /// Same task, payload and timing as a pending schedule → return that one
    /// instead of adding another. Default: on for cron and interval, off otherwise.
    pub idempotent: Option<bool>,
    /// Retry policy for failing runs.
    pub retry: Retry,
}

impl<A: Agent> Context<A> {
    /// Schedules `task` with `payload` (see [`When`]). `task` is the handle
    /// `#[task]` declares (`Self::FIRE`), or a task's name.
    pub async fn schedule<T: Serialize>(&self, when: When, task: impl TaskRef<A, T>, payload: &T) -> Result<Schedule> {
        self.schedule_with(when, task, payload, ScheduleOptions::default()).await
    }

    /// [`Context::schedule`] with options.
    pub async fn schedule_with<T: Serialize>(
        &self,
        when: When,
        task: impl TaskRef<A, T>,
        payload: &T,
        options: ScheduleOptions,
    ) -> Result<Schedule> {
        let callback = task.task_name();
        let now = now_ms();
        let plan = plan(&when, now, super::next_cron).map_err(Error::Schedule)?;
        options.retry.check().map_err(Error::Schedule)?;
        let payload = self.task_payload(callback, payload)?;
        let idempotent = options.idempotent.unwrap_or(plan.kind.repeats());
        if idempotent {
            if let Some(existing) = store::find_same(self.schedules(), callback, &payload, &plan)? {
                return Ok(existing.into_schedule());
            }
        }
        self.insert_schedule(callback, &payload, &plan, options.retry, now).await
    }

    /// Adds `task` to the FIFO queue: queued tasks run one at a
    /// time, in the order queued, as soon as possible.
    pub async fn queue<T: Serialize>(&self, task: impl TaskRef<A, T>, payload: &T) -> Result<Schedule> {
        let callback = task.task_name();
        let now = now_ms();
        let payload = self.task_payload(callback, payload)?;
        let plan =
            super::when::Plan { kind: ScheduleKind::Queued, due_ms: now, cron: None, zone: None, interval_ms: None };
        self.insert_schedule(callback, &payload, &plan, Retry::default(), now).await
    }

    /// The database, for the schedules table: the rows of tasks that ran in
    /// this alarm and are over go first, so that what is read or written
    /// next sees the table as it is.
    fn schedules(&self) -> &crate::Sql {
        settle_finished(self);
        self.sql()
    }

    fn task_payload<T: Serialize>(&self, callback: &str, payload: &T) -> Result<String> {
        let payload = serde_json::to_string(payload).map_err(|e| Error::json("task payload", e))?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(Error::Schedule(format!(
                "payload of {} bytes is larger than the {MAX_PAYLOAD_BYTES}-byte limit",
                payload.len()
            )));
        }
        self.tasks().check(callback, &payload).map_err(Error::Schedule)?;
        Ok(payload)
    }

    async fn insert_schedule(
        &self,
        callback: &str,
        payload: &str,
        plan: &super::when::Plan,
        retry: Retry,
        now: i64,
    ) -> Result<Schedule> {
        let rows = self.room_for_one()?;
        let payloads = self.room_for_payload(payload.len() as u64)?;
        let id = crate::ids::uuid_v4();
        let new = NewSchedule { id: &id, callback, payload, plan, retry, now };
        store::insert(self.schedules(), &new)?;
        self.armed_alarm().rows.set(Some(rows + 1));
        self.armed_alarm().payload_bytes.set(Some(payloads + payload.len() as u64));
        rearm_for(self, plan.due_ms).await?;
        Ok(new.to_schedule())
    }

    /// The number of schedules kept, if one more fits `Agent::MAX_SCHEDULES`.
    fn room_for_one(&self) -> Result<u64> {
        let limit = A::MAX_SCHEDULES as u64;
        room(&self.armed_alarm().rows, 1, limit, || store::count(self.schedules()))?.map_err(|rows| {
            Error::Schedule(format!("the agent already keeps {rows} schedules, its limit (Agent::MAX_SCHEDULES)"))
        })
    }

    /// The bytes of payloads kept, if `bytes` more fit `Agent::MAX_SCHEDULE_PAYLOAD_BYTES`.
    fn room_for_payload(&self, bytes: u64) -> Result<u64> {
        let limit = A::MAX_SCHEDULE_PAYLOAD_BYTES as u64;
        room(&self.armed_alarm().payload_bytes, bytes, limit, || store::payload_bytes(self.schedules()))?.map_err(
            |kept| {
                Error::Schedule(format!(
                "the agent's schedules already hold {kept} bytes of payloads; {bytes} more would pass its limit of \
                 {limit} (Agent::MAX_SCHEDULE_PAYLOAD_BYTES)"
            ))
            },
        )
    }

    /// One schedule by id.
    pub fn get_schedule(&self, id: &str) -> Result<Option<Schedule>> {
        Ok(store::get(self.schedules(), id)?.map(|row| row.into_schedule()))
    }

    /// Schedules matching `filter`, by due time (then creation).
    ///
    /// At most one page: when more than [`MAX_SCHEDULES_PAGE`] schedules (or
    /// [`MAX_SCHEDULES_PAGE_BYTES`] of payloads) match, this is an error that
    /// says so; read them with [`Context::get_schedules_page`].
    pub fn get_schedules(&self, filter: &ScheduleFilter) -> Result<Vec<Schedule>> {
        let page = self.get_schedules_page(filter, None, MAX_SCHEDULES_PAGE)?;
        if page.next_cursor.is_some() {
            return Err(Error::BadRequest(format!(
                "more schedules match than one page holds ({MAX_SCHEDULES_PAGE} schedules or \
                 {MAX_SCHEDULES_PAGE_BYTES} bytes of payloads): read them with get_schedules_page"
            )));
        }
        Ok(page.schedules)
    }

    /// One page of the schedules matching `filter`, by due time (then
    /// creation): at most `limit` schedules (`limit` is clamped to
    /// `1..=MAX_SCHEDULES_PAGE`) and [`MAX_SCHEDULES_PAGE_BYTES`] of payloads,
    /// starting after `cursor` (`None`: from the first). Pass the page's
    /// `next_cursor` to get the next page; it is `None` on the last one.
    ///
    /// A schedule that runs between two calls moves to its new due time, so
    /// it may be listed twice or not at all, as in any list read page by page.
    pub fn get_schedules_page(
        &self,
        filter: &ScheduleFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<SchedulePage> {
        let after = match cursor {
            None => None,
            Some(text) => Some(
                Cursor::decode(text)
                    .ok_or_else(|| Error::BadRequest(format!("\"{text}\" is not a cursor get_schedules_page gave")))?,
            ),
        };
        let limit = limit.clamp(1, MAX_SCHEDULES_PAGE);
        let (rows, next) = store::page(self.schedules(), filter, after, &[], limit, MAX_SCHEDULES_PAGE_BYTES)?;
        Ok(SchedulePage {
            schedules: rows.into_iter().map(|row| row.into_schedule()).collect(),
            next_cursor: next.map(Cursor::encode),
        })
    }

    /// Cancels a schedule (or removes a queued or failed task).
    pub async fn cancel_schedule(&self, id: &str) -> Result<()> {
        if !store::delete(self.schedules(), id)? {
            return Err(Error::UnknownSchedule(id.to_owned()));
        }
        self.armed_alarm().note_cancelled(id);
        rearm(self).await
    }

    /// Removes a queued task (same as [`Context::cancel_schedule`]).
    pub async fn dequeue(&self, id: &str) -> Result<()> {
        self.cancel_schedule(id).await
    }

    /// Queued tasks, in the order they will run.
    pub fn queued(&self) -> Result<Vec<Schedule>> {
        self.get_schedules(&ScheduleFilter { kind: Some(ScheduleKind::Queued), ..ScheduleFilter::default() })
    }

    /// Makes a pending schedule due now (it runs at the next alarm, at once);
    /// a repeating one then goes on with its cadence.
    pub async fn run_schedule_now(&self, id: &str) -> Result<()> {
        if !store::set_due(self.schedules(), id, now_ms())? {
            return Err(Error::UnknownSchedule(id.to_owned()));
        }
        rearm(self).await
    }
}

/// What is kept, if `more` still fits `limit`: `Err(kept)` when it does not.
///
/// `known` holds the figure read once per wake and then only counted up (an
/// upper bound: rows that go are not subtracted), so `count` runs again only
/// before a refusal.
fn room(
    known: &std::cell::Cell<Option<u64>>,
    more: u64,
    limit: u64,
    count: impl FnOnce() -> Result<u64>,
) -> Result<std::result::Result<u64, u64>> {
    let kept = match known.get() {
        Some(kept) if kept + more <= limit => kept,
        _ => count()?,
    };
    known.set(Some(kept));
    Ok(if kept + more <= limit { Ok(kept) } else { Err(kept) })
}
