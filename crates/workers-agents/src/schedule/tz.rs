//! Time zones for cron schedules, as a UTC-offset function. Pure.

/// A time zone: the offset of local wall-clock time from UTC at an instant.
pub(crate) trait TimeZone {
    /// Local time minus UTC, in milliseconds, at the UTC instant `utc_ms`.
    fn offset_ms(&self, utc_ms: i64) -> i64;
}

/// Coordinated Universal Time (the default zone of schedules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Utc;

impl TimeZone for Utc {
    fn offset_ms(&self, _utc_ms: i64) -> i64 {
        0
    }
}

#[cfg(test)]
/// A zone with a constant offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FixedOffset(pub i64);

#[cfg(test)]
impl TimeZone for FixedOffset {
    fn offset_ms(&self, _utc_ms: i64) -> i64 {
        self.0
    }
}

#[cfg(test)]
pub(crate) mod rules {
    //! Daylight-saving rules of two real zones, for tests of DST transitions.
    use super::TimeZone;
    use crate::schedule::civil::{days_from_civil, days_in_month, weekday, Date, DAY_MS, HOUR_MS};

    /// Day number of the `nth` (1-based; 0 = last) Sunday of a month.
    fn sunday(year: i64, month: u32, nth: u32) -> i64 {
        if nth == 0 {
            let last = days_from_civil(Date { year, month, day: days_in_month(year, month) });
            return last - i64::from(weekday(last));
        }
        let first = days_from_civil(Date { year, month, day: 1 });
        first + i64::from((7 - weekday(first)) % 7) + 7 * i64::from(nth - 1)
    }

    fn year_of(utc_ms: i64) -> i64 {
        crate::schedule::civil::civil_from_days(utc_ms.div_euclid(DAY_MS)).year
    }

    /// Europe/Berlin: UTC+1, UTC+2 from the last Sunday of March 01:00 UTC to
    /// the last Sunday of October 01:00 UTC.
    pub(crate) struct Berlin;

    impl TimeZone for Berlin {
        fn offset_ms(&self, utc_ms: i64) -> i64 {
            let year = year_of(utc_ms);
            let start = sunday(year, 3, 0) * DAY_MS + HOUR_MS;
            let end = sunday(year, 10, 0) * DAY_MS + HOUR_MS;
            if (start..end).contains(&utc_ms) {
                2 * HOUR_MS
            } else {
                HOUR_MS
            }
        }
    }

    /// America/New_York: UTC-5, UTC-4 from the second Sunday of March 02:00
    /// local to the first Sunday of November 02:00 local.
    pub(crate) struct NewYork;

    impl TimeZone for NewYork {
        fn offset_ms(&self, utc_ms: i64) -> i64 {
            let year = year_of(utc_ms);
            let start = sunday(year, 3, 2) * DAY_MS + 7 * HOUR_MS;
            let end = sunday(year, 11, 1) * DAY_MS + 6 * HOUR_MS;
            if (start..end).contains(&utc_ms) {
                -4 * HOUR_MS
            } else {
                -5 * HOUR_MS
            }
        }
    }
}
