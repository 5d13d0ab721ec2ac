//! Named IANA time zones at run time, through the runtime's `Intl`.

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, Array, Date, Intl, Object, Reflect};

use super::civil::{days_from_civil, Date as Civil, DAY_MS, HOUR_MS, MINUTE_MS};
use super::tz::TimeZone;

/// An IANA time zone (`Europe/Berlin`), its offsets read from `Intl.DateTimeFormat`.
pub(crate) struct IntlZone {
    format: Intl::DateTimeFormat,
}

impl IntlZone {
    /// The zone `name`, or an error naming it when the runtime does not know it.
    pub(crate) fn new(name: &str) -> Result<Self, String> {
        let refuse = |_| format!("unknown time zone \"{name}\"");
        let options = Object::new();
        let set = |key: &str, value: &str| Reflect::set(&options, &key.into(), &value.into()).map(|_| ());
        set("timeZone", name).map_err(refuse)?;
        set("hourCycle", "h23").map_err(refuse)?;
        for field in ["year", "month", "day", "hour", "minute", "second"] {
            set(field, "numeric").map_err(refuse)?;
        }
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).map_err(refuse)?;
        let constructor: js_sys::Function =
            Reflect::get(&intl, &"DateTimeFormat".into()).map_err(refuse)?.dyn_into().map_err(refuse)?;
        let args = Array::of2(&JsValue::from_str("en-US"), &options);
        let format = Reflect::construct(&constructor, &args).map_err(refuse)?;
        Ok(IntlZone { format: format.unchecked_into() })
    }
}

impl TimeZone for IntlZone {
    fn offset_ms(&self, utc_ms: i64) -> i64 {
        let utc_seconds = utc_ms.div_euclid(1000) * 1000;
        let parts = self.format.format_to_parts(&Date::new(&JsValue::from_f64(utc_seconds as f64)));
        let mut fields = [0i64; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            let value = Reflect::get(&part, &"value".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            fields[slot] = value.parse().unwrap_or(0);
        }
        let days = days_from_civil(Civil { year: fields[0], month: fields[1] as u32, day: fields[2] as u32 });
        let local = days * DAY_MS + fields[3] * HOUR_MS + fields[4] * MINUTE_MS + fields[5] * 1000;
        local - utc_seconds
    }
}
