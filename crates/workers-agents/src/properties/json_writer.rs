//! The state JSON writer (`state/json_writer.rs`): for any value, the same
//! text as serde_json, which reads back to the value.

use std::collections::BTreeMap;

use serde_json::Value;

use super::check;
use crate::state::json_writer::write_json;

fn ours<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    write_json(&mut out, value).expect("writes");
    out
}

#[test]
fn any_value_is_written_as_serde_json_writes_it() {
    check("json_writer_values", 3000, |rng| {
        let value = rng.json(5);
        let text = ours(&value);
        assert_eq!(text, serde_json::to_string(&value).expect("serde_json writes"));
        assert_eq!(serde_json::from_str::<Value>(&text).expect("JSON"), value);
    });
}

#[test]
fn any_string_and_string_map_is_written_as_serde_json_writes_it() {
    check("json_writer_strings", 3000, |rng| {
        let text = rng.text(200);
        assert_eq!(ours(&text), serde_json::to_string(&text).expect("writes"));
        let map: BTreeMap<String, Vec<String>> = (0..rng.len(4)).map(|_| (rng.text(20), vec![rng.text(30)])).collect();
        assert_eq!(ours(&map), serde_json::to_string(&map).expect("writes"));
        let floats: Vec<f64> = (0..rng.len(6)).map(|_| f64::from_bits(rng.next_u64())).collect();
        assert_eq!(ours(&floats), serde_json::to_string(&floats).expect("writes"));
    });
}
