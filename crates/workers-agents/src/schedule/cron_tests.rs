//! Table tests for cron parsing and next-fire times.

use super::civil::{format_utc, parse_rfc3339};
use super::cron::Cron;
use super::tz::rules::{Berlin, NewYork};
use super::tz::{FixedOffset, TimeZone, Utc};

fn at(text: &str) -> i64 {
    parse_rfc3339(text).unwrap_or_else(|| panic!("bad timestamp {text}"))
}

fn next(expression: &str, after: &str, zone: &dyn TimeZone) -> String {
    let cron = Cron::parse(expression).unwrap_or_else(|e| panic!("{e}"));
    format_utc(cron.next_after(at(after), zone).expect("a next time"))
}

struct Case {
    expression: &'static str,
    after: &'static str,
    expect: &'static str,
}

#[test]
fn next_fire_in_utc() {
    let cases = [
        Case { expression: "*/15 * * * *", after: "2026-01-01T00:00:00Z", expect: "2026-01-01T00:15:00.000Z" },
        Case { expression: "* * * * *", after: "2026-01-01T00:00:30Z", expect: "2026-01-01T00:01:00.000Z" },
        Case { expression: "0 0 * * *", after: "2026-01-01T00:00:00Z", expect: "2026-01-02T00:00:00.000Z" },
        Case { expression: "0 0 * * *", after: "2026-01-31T12:00:00Z", expect: "2026-02-01T00:00:00.000Z" },
        // Month ends: February has no 31st, April no 31st.
        Case { expression: "0 0 31 * *", after: "2026-01-31T00:00:00Z", expect: "2026-03-31T00:00:00.000Z" },
        Case { expression: "0 0 31 * *", after: "2026-03-31T00:00:00Z", expect: "2026-05-31T00:00:00.000Z" },
        Case { expression: "0 0 30 * *", after: "2026-01-30T00:00:00Z", expect: "2026-03-30T00:00:00.000Z" },
        // Leap years.
        Case { expression: "0 0 29 2 *", after: "2026-01-01T00:00:00Z", expect: "2028-02-29T00:00:00.000Z" },
        Case { expression: "0 0 29 FEB *", after: "2096-03-01T00:00:00Z", expect: "2104-02-29T00:00:00.000Z" },
        Case { expression: "0 12 * * MON", after: "2026-11-24T21:42:00Z", expect: "2026-11-30T12:00:00.000Z" },
        Case { expression: "0 0 * * 7", after: "2026-11-24T00:00:00Z", expect: "2026-11-29T00:00:00.000Z" },
        Case { expression: "0 0 * * sun", after: "2026-11-24T00:00:00Z", expect: "2026-11-29T00:00:00.000Z" },
        // Both day fields restricted: either matches (Vixie semantics).
        Case { expression: "0 9 1 * MON", after: "2026-11-24T00:00:00Z", expect: "2026-11-30T09:00:00.000Z" },
        Case { expression: "0 9 1 * MON", after: "2026-11-30T09:00:00Z", expect: "2026-12-01T09:00:00.000Z" },
        Case { expression: "5-10/2 * * * *", after: "2026-01-01T00:05:00Z", expect: "2026-01-01T00:07:00.000Z" },
        Case { expression: "5-10/2 * * * *", after: "2026-01-01T00:09:00Z", expect: "2026-01-01T01:05:00.000Z" },
        Case { expression: "10/20 * * * *", after: "2026-01-01T00:31:00Z", expect: "2026-01-01T00:50:00.000Z" },
        Case { expression: "0,30 8-9 * * MON-FRI", after: "2026-11-27T09:30:00Z", expect: "2026-11-30T08:00:00.000Z" },
        Case { expression: "59 23 31 12 *", after: "2026-12-31T23:59:00Z", expect: "2027-12-31T23:59:00.000Z" },
        Case { expression: "0 0 1 jan-mar/2 *", after: "2026-01-01T00:00:00Z", expect: "2026-03-01T00:00:00.000Z" },
        Case { expression: "@hourly", after: "2026-11-24T21:42:16Z", expect: "2026-11-24T22:00:00.000Z" },
        Case { expression: "@daily", after: "2026-11-24T21:42:16Z", expect: "2026-11-25T00:00:00.000Z" },
        Case { expression: "@weekly", after: "2026-11-24T21:42:16Z", expect: "2026-11-29T00:00:00.000Z" },
        Case { expression: "@monthly", after: "2026-11-24T21:42:16Z", expect: "2026-12-01T00:00:00.000Z" },
        Case { expression: "@yearly", after: "2026-11-24T21:42:16Z", expect: "2027-01-01T00:00:00.000Z" },
        Case { expression: "@ANNUALLY", after: "2026-11-24T21:42:16Z", expect: "2027-01-01T00:00:00.000Z" },
    ];
    for case in cases {
        assert_eq!(next(case.expression, case.after, &Utc), case.expect, "{} after {}", case.expression, case.after);
    }
}

#[test]
fn next_fire_in_zones_across_dst() {
    let cases: [(&str, &str, &dyn TimeZone, &str); 10] = [
        ("0 12 * * *", "2026-01-10T00:00:00Z", &Berlin, "2026-01-10T11:00:00.000Z"),
        ("0 9 * * *", "2026-03-28T12:00:00Z", &Berlin, "2026-03-29T07:00:00.000Z"),
        // 02:30 does not exist on 2026-03-29 in Berlin: fires at the jump (03:00 local).
        ("30 2 * * *", "2026-03-28T12:00:00Z", &Berlin, "2026-03-29T01:00:00.000Z"),
        ("30 2 * * *", "2026-03-29T01:00:00Z", &Berlin, "2026-03-30T00:30:00.000Z"),
        // 02:30 occurs twice on 2026-10-25: fires once, at the first.
        ("30 2 * * *", "2026-10-24T12:00:00Z", &Berlin, "2026-10-25T00:30:00.000Z"),
        ("30 2 * * *", "2026-10-25T00:30:00Z", &Berlin, "2026-10-26T01:30:00.000Z"),
        ("0 2 * * *", "2026-03-07T12:00:00Z", &NewYork, "2026-03-08T07:00:00.000Z"),
        ("0 1 * * *", "2026-10-31T12:00:00Z", &NewYork, "2026-11-01T05:00:00.000Z"),
        ("0 1 * * *", "2026-11-01T05:00:00Z", &NewYork, "2026-11-02T06:00:00.000Z"),
        ("0 0 * * *", "2026-06-01T00:00:00Z", &FixedOffset(5 * 3_600_000 + 1_800_000), "2026-06-01T18:30:00.000Z"),
    ];
    for (expression, after, zone, expect) in cases {
        assert_eq!(next(expression, after, zone), expect, "{expression} after {after}");
    }
}

#[test]
fn hourly_schedule_keeps_cadence_through_dst() {
    let cron = Cron::parse("0 * * * *").unwrap();
    let mut t = at("2026-03-29T00:00:00Z");
    let mut fires = Vec::new();
    for _ in 0..4 {
        t = cron.next_after(t, &Berlin).unwrap();
        fires.push(format_utc(t));
    }
    // Local 02:00 is skipped; the fire at the jump is 03:00 local (01:00Z).
    assert_eq!(
        fires,
        [
            "2026-03-29T01:00:00.000Z",
            "2026-03-29T02:00:00.000Z",
            "2026-03-29T03:00:00.000Z",
            "2026-03-29T04:00:00.000Z"
        ]
    );
}

#[test]
fn accepts_steps_up_to_the_field_range() {
    for expression in ["*/60 * * * *", "0 */24 * * *", "0 0 */31 * *", "0 0 1 */12 *", "0 0 * * */7", "5/60 * * * *"] {
        assert!(Cron::parse(expression).is_ok(), "{expression}");
    }
    assert_eq!(next("0 */24 * * *", "2026-01-01T00:00:00Z", &Utc), "2026-01-02T00:00:00.000Z");
}

#[test]
fn rejects_an_overlong_expression_without_echoing_it() {
    let long = format!("0 0 * * {}", vec!["1"; 600].join(","));
    let error = Cron::parse(&long).unwrap_err().to_string();
    assert_eq!(error, format!("invalid cron expression \"{}…\": longer than the 1024-byte limit", &long[..32]));
    let fits = format!("{} * * * *", (0..60).map(|m| m.to_string()).collect::<Vec<_>>().join(","));
    assert!(Cron::parse(&fits).is_ok());
}

#[test]
fn rejects_invalid_expressions_clearly() {
    let cases = [
        ("", "expected 5 fields, found 0"),
        ("* * * *", "expected 5 fields, found 4"),
        ("* * * * * *", "expected 5 fields, found 6"),
        ("60 * * * *", "minute: 60 is out of range 0-59"),
        ("* 24 * * *", "hour: 24 is out of range 0-23"),
        ("* * 0 * *", "day of month: 0 is out of range 1-31"),
        ("* * * 13 *", "month: 13 is out of range 1-12"),
        ("* * * * 8", "day of week: 8 is out of range 0-7"),
        ("*/0 * * * *", "minute: step must be at least 1"),
        ("5-1 * * * *", "minute: range 5-1 is backwards"),
        ("x * * * *", "minute: \"x\" is not a number or name"),
        ("* * * FOO *", "month: \"FOO\" is not a number or name"),
        ("1,,2 * * * *", "minute: empty item"),
        ("@reboot", "unknown macro @reboot"),
        ("0 0 30 2 *", "the day of month never occurs in the chosen months"),
        // A step larger than the field's range matches only its first value: refused.
        ("*/61 * * * *", "minute: step 61 is larger than the field's 60 values"),
        ("0 */25 * * *", "hour: step 25 is larger than the field's 24 values"),
        ("0 0 */32 * *", "day of month: step 32 is larger than the field's 31 values"),
        ("0 0 1 */13 *", "month: step 13 is larger than the field's 12 values"),
        ("0 0 * * 1/8", "day of week: step 8 is larger than the field's 7 values"),
        ("0 0 * * */4294967295", "day of week: step 4294967295 is larger than the field's 7 values"),
    ];
    for (expression, reason) in cases {
        let error = Cron::parse(expression).unwrap_err().to_string();
        assert_eq!(error, format!("invalid cron expression \"{expression}\": {reason}"));
    }
}

#[test]
fn a_huge_step_is_refused_not_overflowed() {
    // `v + step` overflowed u32: a panic in debug, and in release a wrap to
    // 0 that added minute 0 to the schedule. Such steps are now refused.
    for step in [u32::MAX, u32::MAX - 1, 1 << 31] {
        assert!(Cron::parse(&format!("1/{step} * * * *")).is_err());
    }
}
