//! Scheduling on the Durable Object alarm: delays, dates, cron (UTC or an
//! IANA zone), intervals and a FIFO task queue, all in the agent's SQLite.
//!
//! Pure parts (`civil`, `cron`, `tz`, `when`) are tested natively; `store`,
//! `runner` and `api` need the runtime.

mod api;
pub(crate) mod civil;
pub(crate) mod cron;
mod limits;
mod part;
pub(crate) mod runner;
mod store;
mod tasks;
pub(crate) mod tz;
mod when;
mod zone;

#[cfg(test)]
mod cron_tests;

pub use api::{ScheduleOptions, SchedulePage, MAX_PAYLOAD_BYTES};
pub use limits::{MAX_ERROR_BYTES, MAX_SCHEDULES_PAGE, MAX_SCHEDULES_PAGE_BYTES};
pub(crate) use part::SchedulePart;
pub use runner::BOOKKEEPING_RETRY;
pub use store::{Schedule, ScheduleFilter, ScheduleStatus};
pub use tasks::{Task, TaskRef, Tasks};
pub use when::{Retry, ScheduleKind, When, MAX_SCHEDULE_AHEAD_MS};

/// The next time of `cron` after `after` in `zone` (UTC when `None`).
pub(crate) fn next_cron(cron: &cron::Cron, zone: Option<&str>, after: i64) -> Result<i64, String> {
    let next = match zone {
        None => cron.next_after(after, &tz::Utc),
        Some(name) => cron.next_after(after, &zone::IntlZone::new(name)?),
    };
    next.ok_or_else(|| format!("cron expression \"{}\" never fires", cron.as_str()))
}
