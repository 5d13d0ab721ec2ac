//! Cron (`schedule/cron.rs`): parsing never panics; an expression generated
//! from a model of the syntax parses exactly when the model says it can
//! fire, and its next fire time is after now, on a minute the model matches,
//! with no matching minute skipped.

use super::{check, Rng};
use crate::schedule::civil::{civil_from_days, days_in_month, weekday, DAY_MS, HOUR_MS, MINUTE_MS};
use crate::schedule::cron::Cron;
use crate::schedule::tz::rules::{Berlin, NewYork};
use crate::schedule::tz::{FixedOffset, TimeZone, Utc};

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// 1970-01-01 to 2100-01-01, in ms.
const SPAN_MS: i64 = 4_102_444_800_000;

/// One field of the model: its items, and the values they select.
struct Field {
    text: String,
    values: Vec<bool>,
    /// No item is a bare `*`.
    restricted: bool,
}

/// A field (`min..=max`; day of week has 7 for Sunday) drawn as 1–3 items.
fn field(rng: &mut Rng, min: u32, max: u32, names: &[&str]) -> Field {
    let star_max = if max == 7 { 6 } else { max };
    let mut values = vec![false; max as usize + 1];
    let mut items = Vec::new();
    let mut restricted = true;
    let value = |rng: &mut Rng, v: u32| -> String {
        let name = v.checked_sub(min).and_then(|i| names.get(i as usize));
        match name {
            Some(name) if rng.one_in(2) => {
                if rng.one_in(2) {
                    name.to_ascii_lowercase()
                } else {
                    (*name).to_owned()
                }
            }
            _ => v.to_string(),
        }
    };
    for _ in 0..=rng.below(3) {
        // Steps up to the field's size (larger ones are refused: see
        // `a_step_larger_than_its_field_is_refused`).
        let size = star_max - min + 1;
        let step = match rng.below(6) {
            0 | 1 => Some(rng.range(1, i64::from(size)) as u32),
            _ => None,
        };
        let (text, low, high) = match rng.below(3) {
            0 => {
                restricted &= step.is_some();
                ("*".to_owned(), min, star_max)
            }
            1 => {
                let a = rng.range(i64::from(min), i64::from(max)) as u32;
                (value(rng, a), a, if step.is_some() { max } else { a })
            }
            _ => {
                let a = rng.range(i64::from(min), i64::from(max)) as u32;
                let b = rng.range(i64::from(a), i64::from(max)) as u32;
                (format!("{}-{}", value(rng, a), value(rng, b)), a, b)
            }
        };
        let mut v = u64::from(low);
        while v <= u64::from(high) {
            values[v as usize] = true;
            v += u64::from(step.unwrap_or(1));
        }
        items.push(match step {
            Some(step) => format!("{text}/{step}"),
            None => text,
        });
    }
    Field { text: items.join(","), values, restricted }
}

/// An expression and the model of what it selects.
struct Model {
    text: String,
    fields: [Field; 5],
}

impl Model {
    fn new(rng: &mut Rng) -> Model {
        let fields = [
            field(rng, 0, 59, &[]),
            field(rng, 0, 23, &[]),
            field(rng, 1, 31, &[]),
            field(rng, 1, 12, &MONTHS),
            field(rng, 0, 7, &WEEKDAYS),
        ];
        let gap = |rng: &mut Rng| rng.pick(&[" ", " ", "  ", "\t", " \t "]);
        let mut text = String::new();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 || rng.one_in(8) {
                text.push_str(gap(rng));
            }
            text.push_str(&field.text);
        }
        if rng.one_in(8) {
            text.push_str(gap(rng));
        }
        Model { text, fields }
    }

    fn has(&self, field: usize, value: u32) -> bool {
        self.fields[field].values[value as usize] || (field == 4 && value == 0 && self.fields[4].values[7])
    }

    /// Whether some day of some year can match (the parser refuses the rest).
    fn can_fire(&self) -> bool {
        let (days, weekdays) = (&self.fields[2], &self.fields[4]);
        weekdays.restricted
            || !days.restricted
            || (1..=12).any(|m| self.has(3, m) && (1..=days_in_month(2000, m)).any(|d| self.has(2, d)))
    }

    /// Whether the wall-clock minute `local` (ms) is one the expression fires on.
    fn matches(&self, local: i64) -> bool {
        let days = local.div_euclid(DAY_MS);
        let date = civil_from_days(days);
        let minute_of_day = local.rem_euclid(DAY_MS) / MINUTE_MS;
        let by_date = self.has(2, date.day);
        let by_weekday = self.has(4, weekday(days));
        let day = match (self.fields[2].restricted, self.fields[4].restricted) {
            (true, true) => by_date || by_weekday,
            (true, false) => by_date,
            (false, true) => by_weekday,
            (false, false) => true,
        };
        local.rem_euclid(MINUTE_MS) == 0
            && self.has(3, date.month)
            && day
            && self.has(1, (minute_of_day / 60) as u32)
            && self.has(0, (minute_of_day % 60) as u32)
    }
}

#[test]
fn parsing_any_text_never_panics() {
    const ALPHABET: &[char] =
        &['0', '1', '2', '5', '7', '9', '*', '/', '-', ',', ' ', ' ', '\t', '@', 'J', 'a', 'n', 'M', 'O', 'x', 'é'];
    check("cron_any_text", 4000, |rng| {
        let text = if rng.one_in(4) { rng.text(30) } else { rng.text_of(ALPHABET, 30) };
        let text = match rng.below(4) {
            0 => format!("{text} {} * * *", rng.next_u64()),
            1 => format!("{}/{} * * * *", rng.below(70), rng.next_u64() >> rng.below(64)),
            _ => text,
        };
        if let Ok(cron) = Cron::parse(&text) {
            assert_eq!(cron.as_str(), text.trim());
            let now = rng.range(0, SPAN_MS);
            let next = cron.next_after(now, &Utc).expect("a valid expression fires");
            assert!(next > now);
        }
    });
}

#[test]
fn a_step_larger_than_its_field_is_refused() {
    check("cron_step_bound", 2000, |rng| {
        let (field, size) = rng.pick(&[(0usize, 60u64), (1, 24), (2, 31), (3, 12), (4, 7)]);
        let above = size + rng.range(1, 1000) as u64;
        let step = rng.pick(&[size + 1, above, u64::from(u32::MAX), 1 << 31]);
        let mut fields = ["*"; 5].map(String::from);
        fields[field] = format!("*/{step}");
        let text = fields.join(" ");
        let error = Cron::parse(&text).expect_err(&text).to_string();
        assert!(error.contains("larger than") || error.contains("bad step"), "{text}: {error}");
    });
}

#[test]
fn a_generated_expression_parses_exactly_when_it_can_fire() {
    check("cron_parse_model", 4000, |rng| {
        let model = Model::new(rng);
        match Cron::parse(&model.text) {
            Ok(cron) => {
                assert!(model.can_fire(), "accepted but never fires: {:?}", model.text);
                assert_eq!(cron.as_str(), model.text.trim());
            }
            Err(error) => {
                assert!(!model.can_fire(), "refused {:?}: {error}", model.text);
                assert!(error.to_string().contains("never occurs"), "{error}");
            }
        }
    });
}

#[test]
fn the_next_fire_is_the_first_matching_minute_after_now() {
    check("cron_next_fire", 2500, |rng| {
        let model = Model::new(rng);
        let Ok(cron) = Cron::parse(&model.text) else { return };
        let now = rng.range(0, SPAN_MS);
        let offset = rng.pick(&[0, 0, 1, -5, 9, 14]) * HOUR_MS + rng.pick(&[0, 0, 30, 45]) * MINUTE_MS;
        let zone = FixedOffset(offset);
        let next = cron.next_after(now, &zone).expect("fires");
        assert!(next > now);
        assert!(model.matches(next + offset), "{:?} after {now}: {next} does not match", model.text);
        // Nothing fires in between: checked minute by minute when near.
        if next - now <= 2 * DAY_MS {
            let mut minute = now.div_euclid(MINUTE_MS) * MINUTE_MS + MINUTE_MS;
            while minute < next {
                assert!(!model.matches(minute + offset), "{:?} after {now}: skipped {minute}", model.text);
                minute += MINUTE_MS;
            }
        }
        assert!(cron.next_after(next, &zone).expect("fires again") > next);
    });
}

#[test]
fn across_daylight_saving_a_fire_matches_or_is_at_the_jump() {
    check("cron_next_fire_dst", 1500, |rng| {
        let model = Model::new(rng);
        let Ok(cron) = Cron::parse(&model.text) else { return };
        let zone: &dyn TimeZone = if rng.one_in(2) { &Berlin } else { &NewYork };
        // Near a transition half of the time.
        let now = if rng.one_in(2) {
            let year = rng.range(2000, 2090);
            let base = (year - 1970) * 365 * DAY_MS + rng.pick(&[80, 300]) * DAY_MS;
            base + rng.range(-10 * DAY_MS, 30 * DAY_MS)
        } else {
            rng.range(0, SPAN_MS)
        };
        let next = cron.next_after(now, zone).expect("fires");
        assert!(next > now);
        let at_jump = zone.offset_ms(next - 1) != zone.offset_ms(next);
        assert!(model.matches(next + zone.offset_ms(next)) || at_jump, "{:?} after {now}: {next}", model.text);
        assert!(cron.next_after(next, zone).expect("fires again") > next);
    });
}

#[test]
fn macros_are_their_expansions() {
    let macros = [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ];
    check("cron_macros", 1000, |rng| {
        let (name, expansion) = rng.pick(&macros);
        let name: String = name.chars().map(|c| if rng.one_in(2) { c.to_ascii_uppercase() } else { c }).collect();
        let (a, b) = (Cron::parse(&format!(" {name} ")).expect("a macro"), Cron::parse(expansion).expect("valid"));
        let now = rng.range(0, SPAN_MS);
        assert_eq!(a.next_after(now, &Utc), b.next_after(now, &Utc), "{name}");
    });
}
