//! Five-field cron expressions and their next fire time, in UTC or any time
//! zone given as an offset function. Pure: tested natively.
//!
//! Syntax: `minute hour day-of-month month day-of-week`, each a comma list of
//! `*`, `N`, `A-B`, with an optional `/STEP`; month names `JAN`–`DEC`, weekday
//! names `SUN`–`SAT` (and `7` for Sunday); macros `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. As in Vixie cron,
//! when both day fields are restricted a day matches either of them.

use std::fmt;

use super::civil::{civil_from_days, days_in_month, weekday, Date, DAY_MS, HOUR_MS, MINUTE_MS};
use super::tz::TimeZone;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    days_restricted: bool,
    weekdays_restricted: bool,
    source: String,
}

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CronError {
    expression: String,
    reason: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid cron expression \"{}\": {}", self.expression, self.reason)
    }
}

impl std::error::Error for CronError {}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [Field; 5] = [
    Field { name: "minute", min: 0, max: 59, names: &[] },
    Field { name: "hour", min: 0, max: 23, names: &[] },
    Field { name: "day of month", min: 1, max: 31, names: &[] },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    },
    Field { name: "day of week", min: 0, max: 7, names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/// Longest accepted cron expression, in bytes (the longest useful one, every
/// value of every field listed, is under 400).
pub(crate) const MAX_CRON_BYTES: usize = 1024;

impl Field {
    /// How many values the field holds (day of week: 7, with 7 read as 0).
    fn size(&self) -> u32 {
        (if self.max == 7 { 6 } else { self.max }) - self.min + 1
    }

    fn value(&self, text: &str) -> Result<u32, String> {
        if let Some(index) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(self.min + index as u32);
        }
        let value: u32 = text.parse().map_err(|_| format!("{}: \"{text}\" is not a number or name", self.name))?;
        if value < self.min || value > self.max {
            return Err(format!("{}: {value} is out of range {}-{}", self.name, self.min, self.max));
        }
        Ok(value)
    }

    /// Parses one field into a bit set and whether it was `*` (unrestricted).
    fn parse(&self, text: &str) -> Result<(u64, bool), String> {
        let mut bits = 0u64;
        let mut star = false;
        for item in text.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => {
                    let step: u32 = step.parse().map_err(|_| format!("{}: bad step \"{step}\"", self.name))?;
                    if step == 0 {
                        return Err(format!("{}: step must be at least 1", self.name));
                    }
                    if step > self.size() {
                        return Err(format!(
                            "{}: step {step} is larger than the field's {} values",
                            self.name,
                            self.size()
                        ));
                    }
                    (range, Some(step))
                }
                None => (item, None),
            };
            let (low, high) = if range == "*" {
                star |= step.is_none();
                (self.min, if self.max == 7 { 6 } else { self.max })
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return Err(format!("{}: range {a}-{b} is backwards", self.name));
                }
                (a, b)
            } else if range.is_empty() {
                return Err(format!("{}: empty item", self.name));
            } else {
                let a = self.value(range)?;
                (a, if step.is_some() { self.max } else { a })
            };
            let mut v = low;
            while v <= high {
                bits |= 1 << v;
                v = v.saturating_add(step.unwrap_or(1));
            }
        }
        Ok((bits, star))
    }
}

fn expand_macro(expression: &str) -> Option<&'static str> {
    Some(match expression.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return None,
    })
}

impl Cron {
    /// Parses a cron expression.
    pub(crate) fn parse(expression: &str) -> Result<Cron, CronError> {
        if expression.len() > MAX_CRON_BYTES {
            let start = (0..=32).rev().find(|&i| expression.is_char_boundary(i)).unwrap_or(0);
            return Err(CronError {
                expression: format!("{}…", &expression[..start]),
                reason: format!("longer than the {MAX_CRON_BYTES}-byte limit"),
            });
        }
        let error = |reason: String| CronError { expression: expression.to_owned(), reason };
        let trimmed = expression.trim();
        let body = if trimmed.starts_with('@') {
            expand_macro(trimmed).ok_or_else(|| error(format!("unknown macro {trimmed}")))?
        } else {
            trimmed
        };
        let parts: Vec<&str> = body.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(error(format!("expected 5 fields, found {}", parts.len())));
        }
        let mut parsed = [(0u64, false); 5];
        for (slot, (field, text)) in parsed.iter_mut().zip(FIELDS.iter().zip(&parts)) {
            *slot = field.parse(text).map_err(error)?;
        }
        let mut weekdays = parsed[4].0;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & !(1 << 7);
        }
        let cron = Cron {
            minutes: parsed[0].0,
            hours: parsed[1].0 as u32,
            days: parsed[2].0 as u32,
            months: parsed[3].0 as u16,
            weekdays: weekdays as u8,
            days_restricted: !parsed[2].1,
            weekdays_restricted: !parsed[4].1,
            source: trimmed.to_owned(),
        };
        if !cron.can_ever_match() {
            return Err(error("the day of month never occurs in the chosen months".into()));
        }
        Ok(cron)
    }

    /// The expression as written (trimmed).
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    fn can_ever_match(&self) -> bool {
        if self.weekdays_restricted || !self.days_restricted {
            return true;
        }
        (1..=12u32)
            .any(|m| self.months & (1 << m) != 0 && (1..=days_in_month(2000, m)).any(|d| self.days & (1 << d) != 0))
    }

    fn matches_day(&self, date: Date, days: i64) -> bool {
        if self.months & (1 << date.month) == 0 {
            return false;
        }
        let dom = self.days & (1 << date.day) != 0;
        let dow = self.weekdays & (1 << weekday(days)) != 0;
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first local minute (ms since epoch, local wall clock) matching the
    /// expression strictly after local minute-aligned time `after_local`.
    fn next_local(&self, after_local: i64) -> Option<i64> {
        let start = after_local.div_euclid(MINUTE_MS) * MINUTE_MS + MINUTE_MS;
        let first_day = start.div_euclid(DAY_MS);
        let mut first_minute_of_day = start.rem_euclid(DAY_MS) / MINUTE_MS;
        // Any valid expression matches within 8 years (Feb 29 on a weekday).
        for days in first_day..first_day + 366 * 8 {
            let date = civil_from_days(days);
            if self.matches_day(date, days) {
                for minute_of_day in first_minute_of_day..24 * 60 {
                    let (hour, minute) = (minute_of_day / 60, minute_of_day % 60);
                    if self.hours & (1 << hour) != 0 && self.minutes & (1 << minute) != 0 {
                        return Some(days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS);
                    }
                }
            }
            first_minute_of_day = 0;
        }
        None
    }

    /// The next fire time (Unix ms, UTC) strictly after `after_ms`, reading the
    /// expression on the wall clock of `zone`.
    ///
    /// A local time skipped by a daylight-saving jump fires at the jump (as
    /// cron does); a local time that occurs twice fires once, at the first.
    pub(crate) fn next_after(&self, after_ms: i64, zone: &dyn TimeZone) -> Option<i64> {
        let mut local_after = after_ms + zone.offset_ms(after_ms);
        for _ in 0..4 {
            let local = self.next_local(local_after)?;
            let before = zone.offset_ms(local - 14 * HOUR_MS);
            let later = zone.offset_ms(local + 14 * HOUR_MS);
            let mut fits: Vec<i64> = [before, later]
                .into_iter()
                .map(|offset| local - offset)
                .filter(|&utc| utc + zone.offset_ms(utc) == local && utc > after_ms)
                .collect();
            fits.sort_unstable();
            if let Some(&utc) = fits.first() {
                return Some(utc);
            }
            // Skipped by a forward jump: fire at the instant the clock jumps.
            let jump = local - before;
            if jump > after_ms && jump + zone.offset_ms(jump) != local {
                return Some(first_instant_at_or_after_jump(zone, jump - (later - before).abs(), jump));
            }
            local_after = local;
        }
        None
    }
}

/// The instant of the offset change within `(low, high]`, by bisection.
fn first_instant_at_or_after_jump(zone: &dyn TimeZone, mut low: i64, mut high: i64) -> i64 {
    let start = zone.offset_ms(low);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if zone.offset_ms(mid) == start {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

impl std::str::FromStr for Cron {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cron::parse(s)
    }
}
