//! When a schedule runs, what kind it is, and how failures are retried. Pure.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::cron::Cron;

/// How far ahead a schedule may be due, and the longest interval, delay or
/// retry delay: 100 years of 365.25 days (3,155,760,000,000 ms). Anything
/// later is refused before it is stored: every accepted due time is then an
/// exact JS `Date` (the alarm's type) and far from the ends of SQLite's
/// 64-bit integers.
pub const MAX_SCHEDULE_AHEAD_MS: i64 = 36_525 * 86_400_000;

fn beyond_horizon(what: String) -> String {
    format!("{what} is more than 100 years ahead (the limit is {MAX_SCHEDULE_AHEAD_MS} ms)")
}

/// When a task should run.
///
/// The variants count milliseconds; the constructors take
/// [`Duration`]s and points in time:
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use workers_agents::When;
///
/// assert_eq!(When::after(Duration::from_secs(30)), When::Delay(30_000));
/// assert_eq!(When::every(Duration::from_secs(60)), When::Every(60_000));
/// let noon = UNIX_EPOCH + Duration::from_secs(1_767_268_800);
/// assert_eq!(When::at(noon), When::At(1_767_268_800_000));
/// assert_eq!(When::at_unix_ms(1_767_268_800_000), When::At(1_767_268_800_000));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// After this many milliseconds (must not be negative).
    Delay(i64),
    /// At this Unix time in milliseconds (a time in the past runs at once).
    At(i64),
    /// On a cron expression, read in UTC or in the named IANA time zone.
    Cron {
        /// The five-field expression or macro.
        expression: String,
        /// An IANA zone name such as `Europe/Berlin`; `None` is UTC.
        zone: Option<String>,
    },
    /// Every this many milliseconds (must be positive), first after one period.
    Every(i64),
}

/// Whole milliseconds of `duration` (what is less is dropped), or
/// `i64::MAX` for one past that, which scheduling refuses as beyond the horizon.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl When {
    /// After `delay` (whole milliseconds; less is dropped):
    /// `When::after(Duration::from_secs(30))`.
    pub fn after(delay: Duration) -> When {
        When::Delay(millis(delay))
    }

    /// Every `period` (whole milliseconds, and at least one), first after one
    /// period: `When::every(Duration::from_secs(60))`.
    pub fn every(period: Duration) -> When {
        When::Every(millis(period))
    }

    /// At `time` (a time in the past runs at once).
    ///
    /// `SystemTime::now()` panics in a Worker (wasm32-unknown-unknown has no
    /// clock in std): build the time as `UNIX_EPOCH + Duration`, or take now
    /// from the runtime (`worker::Date::now().as_millis()`) and use
    /// [`When::at_unix_ms`], or schedule [`When::after`] a delay.
    pub fn at(time: SystemTime) -> When {
        let ms = match time.duration_since(UNIX_EPOCH) {
            Ok(since) => millis(since),
            Err(before) => millis(before.duration()).saturating_neg(),
        };
        When::At(ms)
    }

    /// At this Unix time in milliseconds (a time in the past runs at once):
    /// [`When::At`].
    pub fn at_unix_ms(unix_ms: i64) -> When {
        When::At(unix_ms)
    }

    /// After `seconds` seconds (fractions allowed). NaN is refused when
    /// scheduling, as a delay beyond the horizon (not read as 0).
    pub fn delay_seconds(seconds: f64) -> When {
        if seconds.is_nan() {
            return When::Delay(i64::MAX);
        }
        When::Delay((seconds * 1000.0).round() as i64)
    }

    /// On a cron expression in UTC.
    pub fn cron(expression: &str) -> When {
        When::Cron { expression: expression.to_owned(), zone: None }
    }

    /// On a cron expression in an IANA time zone.
    pub fn cron_in(expression: &str, zone: &str) -> When {
        When::Cron { expression: expression.to_owned(), zone: Some(zone.to_owned()) }
    }
}

/// The kind of a stored schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::Schema)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    /// Once, after a delay.
    Delayed,
    /// Once, at a time.
    Scheduled,
    /// Repeatedly, on a cron expression.
    Cron,
    /// Repeatedly, at a fixed interval.
    Interval,
    /// Once, in FIFO order with other queued tasks.
    Queued,
}

impl ScheduleKind {
    /// Whether the schedule runs more than once.
    pub fn repeats(self) -> bool {
        matches!(self, ScheduleKind::Cron | ScheduleKind::Interval)
    }

    /// The kind [`as_str`](Self::as_str) names.
    pub(crate) fn parse(text: &str) -> Option<ScheduleKind> {
        [Self::Delayed, Self::Scheduled, Self::Cron, Self::Interval, Self::Queued]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Delayed => "delayed",
            ScheduleKind::Scheduled => "scheduled",
            ScheduleKind::Cron => "cron",
            ScheduleKind::Interval => "interval",
            ScheduleKind::Queued => "queued",
        }
    }
}

/// How a failing run is retried before it is recorded as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::Schema)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    /// Runs in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles with each further retry.
    pub base_delay_ms: i64,
    /// Upper bound of the delay.
    pub max_delay_ms: i64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry { max_attempts: 3, base_delay_ms: 1_000, max_delay_ms: 60_000 }
    }
}

impl Retry {
    /// The delay before retry number `failed_attempts` (1 after the first failure).
    pub fn delay_after(&self, failed_attempts: u32) -> i64 {
        let doublings = failed_attempts.saturating_sub(1).min(30);
        self.base_delay_ms.saturating_mul(1 << doublings).min(self.max_delay_ms).max(0)
    }

    /// Both delays within `0..=MAX_SCHEDULE_AHEAD_MS`.
    pub(crate) fn check(&self) -> Result<(), String> {
        match [self.base_delay_ms, self.max_delay_ms].into_iter().find(|d| !(0..=MAX_SCHEDULE_AHEAD_MS).contains(d)) {
            Some(bad) => Err(format!("retry delays must be between 0 and {MAX_SCHEDULE_AHEAD_MS} ms (got {bad} ms)")),
            None => Ok(()),
        }
    }
}

/// A validated `When`: the kind, the first due time and what a repeat needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub(crate) kind: ScheduleKind,
    pub(crate) due_ms: i64,
    pub(crate) cron: Option<String>,
    pub(crate) zone: Option<String>,
    pub(crate) interval_ms: Option<i64>,
}

/// Turns `when` into a plan at time `now`. `next_cron` computes a cron
/// expression's next time after an instant (it knows the time zone).
pub(crate) fn plan(
    when: &When,
    now: i64,
    next_cron: impl FnOnce(&Cron, Option<&str>, i64) -> Result<i64, String>,
) -> Result<Plan, String> {
    let once = |kind, due_ms| Plan { kind, due_ms, cron: None, zone: None, interval_ms: None };
    match when {
        When::Delay(ms) if *ms < 0 => Err(format!("delay must not be negative (got {ms} ms)")),
        When::Delay(ms) if *ms > MAX_SCHEDULE_AHEAD_MS => Err(beyond_horizon(format!("delay of {ms} ms"))),
        When::Delay(ms) => Ok(once(ScheduleKind::Delayed, now + ms)),
        When::At(ms) if *ms > now.saturating_add(MAX_SCHEDULE_AHEAD_MS) => Err(beyond_horizon(format!("time {ms}"))),
        When::At(ms) => Ok(once(ScheduleKind::Scheduled, (*ms).max(now))),
        When::Every(ms) if *ms <= 0 => Err(format!("interval must be positive (got {ms} ms)")),
        When::Every(ms) if *ms > MAX_SCHEDULE_AHEAD_MS => Err(beyond_horizon(format!("interval of {ms} ms"))),
        When::Every(ms) => Ok(Plan { interval_ms: Some(*ms), ..once(ScheduleKind::Interval, now + ms) }),
        When::Cron { expression, zone } => {
            let cron = Cron::parse(expression).map_err(|e| e.to_string())?;
            let due_ms = next_cron(&cron, zone.as_deref(), now)?;
            Ok(Plan {
                kind: ScheduleKind::Cron,
                due_ms,
                cron: Some(cron.as_str().to_owned()),
                zone: zone.clone(),
                interval_ms: None,
            })
        }
    }
}

/// The next due time of a repeating schedule that was due at `due_ms` and
/// ran (or failed) at `now`: the next point of its cadence after `now`.
pub(crate) fn next_interval_due(due_ms: i64, interval_ms: i64, now: i64) -> i64 {
    if due_ms > now {
        return due_ms;
    }
    let missed = (now - due_ms) / interval_ms + 1;
    due_ms + missed * interval_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_cron(_: &Cron, _: Option<&str>, _: i64) -> Result<i64, String> {
        Ok(60_000)
    }

    #[test]
    fn plans_one_shot_and_repeating_schedules() {
        assert_eq!(plan(&When::Delay(500), 1_000, no_cron).unwrap().due_ms, 1_500);
        assert_eq!(plan(&When::At(5_000), 1_000, no_cron).unwrap().due_ms, 5_000);
        // A time in the past runs at once.
        assert_eq!(plan(&When::At(-9_000_000), 1_000, no_cron).unwrap().due_ms, 1_000);
        let every = plan(&When::Every(250), 1_000, no_cron).unwrap();
        assert_eq!((every.kind, every.due_ms, every.interval_ms), (ScheduleKind::Interval, 1_250, Some(250)));
        let cron = plan(&When::cron("@hourly"), 0, no_cron).unwrap();
        assert_eq!((cron.kind, cron.due_ms, cron.cron.as_deref()), (ScheduleKind::Cron, 60_000, Some("@hourly")));
        assert_eq!(When::delay_seconds(1.5), When::Delay(1_500));
    }

    #[test]
    fn takes_durations_and_points_in_time() {
        struct Case {
            when: When,
            expect: When,
        }
        let cases = [
            Case { when: When::after(Duration::from_secs(30)), expect: When::Delay(30_000) },
            Case { when: When::after(Duration::from_micros(1_999)), expect: When::Delay(1) },
            Case { when: When::after(Duration::ZERO), expect: When::Delay(0) },
            Case { when: When::after(Duration::MAX), expect: When::Delay(i64::MAX) },
            Case { when: When::every(Duration::from_millis(250)), expect: When::Every(250) },
            Case { when: When::every(Duration::from_micros(999)), expect: When::Every(0) },
            Case {
                when: When::at(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)),
                expect: When::At(1_700_000_000_123),
            },
            Case { when: When::at(UNIX_EPOCH), expect: When::At(0) },
            Case { when: When::at(UNIX_EPOCH - Duration::from_secs(1)), expect: When::At(-1_000) },
            Case { when: When::at_unix_ms(42), expect: When::At(42) },
        ];
        for Case { when, expect } in cases {
            assert_eq!(when, expect);
        }
        // Converted values are checked as the variants are: too long, too
        // short and past times alike.
        let now = 1_700_000_000_000;
        assert!(plan(&When::after(Duration::MAX), now, no_cron).unwrap_err().contains("more than 100 years ahead"));
        let zero = plan(&When::every(Duration::from_micros(999)), now, no_cron).unwrap_err();
        assert_eq!(zero, "interval must be positive (got 0 ms)");
        assert_eq!(plan(&When::at(UNIX_EPOCH), now, no_cron).unwrap().due_ms, now);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(plan(&When::Delay(-1), 0, no_cron).unwrap_err(), "delay must not be negative (got -1 ms)");
        assert_eq!(plan(&When::Every(0), 0, no_cron).unwrap_err(), "interval must be positive (got 0 ms)");
        let err = plan(&When::cron("61 * * * *"), 0, no_cron).unwrap_err();
        assert_eq!(err, "invalid cron expression \"61 * * * *\": minute: 61 is out of range 0-59");
    }

    #[test]
    fn refuses_times_beyond_the_horizon() {
        let now = 1_700_000_000_000;
        let max = MAX_SCHEDULE_AHEAD_MS;
        assert_eq!(max, 3_155_760_000_000, "100 years of 365.25 days");
        assert_eq!(plan(&When::Delay(max), now, no_cron).unwrap().due_ms, now + max);
        assert_eq!(plan(&When::At(now + max), now, no_cron).unwrap().due_ms, now + max);
        assert_eq!(plan(&When::Every(max), now, no_cron).unwrap().interval_ms, Some(max));
        let beyond = "is more than 100 years ahead (the limit is 3155760000000 ms)";
        let cases = [
            (When::Delay(max + 1), format!("delay of {} ms {beyond}", max + 1)),
            (When::Delay(i64::MAX), format!("delay of {} ms {beyond}", i64::MAX)),
            (When::At(now + max + 1), format!("time {} {beyond}", now + max + 1)),
            (When::At(i64::MAX), format!("time {} {beyond}", i64::MAX)),
            (When::Every(max + 1), format!("interval of {} ms {beyond}", max + 1)),
            (When::Every(i64::MAX), format!("interval of {} ms {beyond}", i64::MAX)),
            (When::delay_seconds(f64::INFINITY), format!("delay of {} ms {beyond}", i64::MAX)),
            // NaN seconds is no delay at all, not "at once".
            (When::delay_seconds(f64::NAN), format!("delay of {} ms {beyond}", i64::MAX)),
        ];
        for (when, message) in cases {
            assert_eq!(plan(&when, now, no_cron).unwrap_err(), message, "{when:?}");
        }
        // The latest accepted time is a valid JS date, exact in an f64.
        assert!(now + max < 1 << 53, "below 2^53, itself below the last JS date (8.64e15)");
    }

    #[test]
    fn refuses_retry_delays_out_of_range() {
        assert_eq!(Retry::default().check(), Ok(()));
        let bad = Retry { base_delay_ms: -1, ..Retry::default() };
        assert_eq!(bad.check().unwrap_err(), "retry delays must be between 0 and 3155760000000 ms (got -1 ms)");
        let bad = Retry { max_delay_ms: MAX_SCHEDULE_AHEAD_MS + 1, ..Retry::default() };
        assert_eq!(
            bad.check().unwrap_err(),
            "retry delays must be between 0 and 3155760000000 ms (got 3155760000001 ms)"
        );
        // The largest accepted delay added to any sane clock cannot overflow.
        let slow =
            Retry { max_attempts: 40, base_delay_ms: MAX_SCHEDULE_AHEAD_MS, max_delay_ms: MAX_SCHEDULE_AHEAD_MS };
        assert_eq!(slow.delay_after(39), MAX_SCHEDULE_AHEAD_MS);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = Retry { max_attempts: 10, base_delay_ms: 100, max_delay_ms: 1_000 };
        let delays: Vec<i64> = (1..=6).map(|n| retry.delay_after(n)).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1_000, 1_000]);
    }

    #[test]
    fn interval_keeps_its_cadence() {
        assert_eq!(next_interval_due(1_000, 100, 1_000), 1_100);
        assert_eq!(next_interval_due(1_000, 100, 1_050), 1_100);
        // Late by several periods: the missed runs are skipped, not bunched.
        assert_eq!(next_interval_due(1_000, 100, 1_350), 1_400);
        assert_eq!(next_interval_due(2_000, 100, 1_000), 2_000);
    }
}
