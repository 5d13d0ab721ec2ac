//! The writer against serde_json: the same text for the same value, or an
//! error where serde_json errs.

use std::collections::{BTreeMap, HashMap};

use serde::{Serialize, Serializer};
use serde_json::json;
use serde_json::value::RawValue;

use super::*;

fn ours<T: ?Sized + Serialize>(value: &T) -> Result<String> {
    let mut out = String::new();
    write_json(&mut out, value)?;
    Ok(out)
}

#[track_caller]
fn same<T: ?Sized + Serialize>(value: &T) {
    assert_eq!(ours(value).expect("writes"), serde_json::to_string(value).expect("serde_json writes"));
}

#[test]
fn every_ascii_character_is_escaped_as_serde_json_does() {
    for byte in 0u8..=0x7f {
        same(&char::from(byte).to_string());
        same(&char::from(byte));
    }
}

#[test]
fn an_escape_at_any_offset_of_a_word_and_of_the_tail() {
    let specials = ['"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é', '€', '😀'];
    for len in 1..40 {
        for at in 0..len {
            for special in specials {
                let text: String = (0..len).map(|i| if i == at { special } else { 'a' }).collect();
                same(&text);
            }
        }
    }
}

#[test]
fn pseudo_random_strings() {
    let alphabet: Vec<char> = "ab \"\\\n\t\r\u{0}\u{8}\u{c}\u{1b}/é€😀\u{7f}\u{80}".chars().collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..3000 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let len = (seed >> 33) as usize % 70;
        let text: String = (0..len)
            .map(|i| {
                let pick = (seed >> (i % 50)) as usize ^ i.wrapping_mul(0x9e37);
                alphabet[pick % alphabet.len()]
            })
            .collect();
        same(&text);
    }
}

#[test]
fn the_word_test_matches_the_byte_test_for_every_byte_at_every_offset() {
    let must = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    for filler in [b'a', 0x80, 0xff, b' '] {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut word = [filler; 8];
                word[at] = byte;
                assert_eq!(needs_escape(u64::from_le_bytes(word)), must(byte), "byte {byte:#x} at {at}");
            }
        }
    }
}

#[test]
fn values_of_every_json_kind() {
    same(&json!(null));
    same(&json!({
        "a": [1, -2, 3.5, 1e300, -0.0, i64::MIN, u64::MAX, true, false, null],
        "nested": {"x": {"y": [[], {}, [{}]]}},
        "text": "line\nbreak \"quoted\" \\ é 😀",
        "": ""
    }));
    same(&f64::NAN);
    same(&f32::INFINITY);
    same(&[0.1f32, 1.0, 16777216.0]);
    same(&i128::MIN);
    same(&u128::MAX);
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(String);

#[derive(Serialize)]
struct Pair(i32, Option<String>);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    counter: i64,
    items: Vec<serde_json::Value>,
    maybe: Option<bool>,
    unit: Unit,
    newtype: Newtype,
    pair: Pair,
    tuple: (u8, char, &'static str),
    kinds: Vec<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<i32>,
    #[serde(flatten)]
    extra: BTreeMap<String, i32>,
}

#[derive(Serialize)]
enum Kind {
    Plain,
    Wrapped(f64),
    Tuple(i8, i8),
    Fields { a: u16, b: Vec<Kind> },
}

#[derive(Serialize)]
#[serde(tag = "type", content = "body")]
enum Adjacent {
    One { x: i32 },
    Two(String),
}

#[derive(Serialize)]
#[serde(untagged)]
enum Untagged {
    Number(i32),
    Text(String),
}

#[test]
fn derived_structs_and_enums() {
    same(&Record {
        counter: 7,
        items: vec![json!("x"), json!({"k": [1]})],
        maybe: None,
        unit: Unit,
        newtype: Newtype("\u{2028}".into()),
        pair: Pair(-1, Some("p".into())),
        tuple: (255, '"', "t"),
        kinds: vec![
            Kind::Plain,
            Kind::Wrapped(2.5),
            Kind::Tuple(-1, 1),
            Kind::Fields { a: 9, b: vec![Kind::Plain, Kind::Fields { a: 0, b: vec![] }] },
        ],
        skipped: None,
        extra: BTreeMap::from([("flat".into(), 1), ("z\"".into(), 2)]),
    });
    same(&vec![Adjacent::One { x: 1 }, Adjacent::Two("two".into())]);
    same(&vec![Untagged::Number(1), Untagged::Text("t".into())]);
    same(&());
    same(&Some(Some(3)));
}

#[test]
fn map_keys_are_quoted_like_serde_json() {
    same(&BTreeMap::from([(1i64, "a"), (-2, "b")]));
    same(&BTreeMap::from([(u128::MAX, 1)]));
    same(&BTreeMap::from([(true, 1), (false, 2)]));
    same(&BTreeMap::from([('c', 1), ('"', 2)]));
    same(&HashMap::from([("k\n".to_string(), vec![1])]));
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct Id(u32);
    same(&BTreeMap::from([(Id(4), "newtype key")]));
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Alpha,
    }
    same(&BTreeMap::from([(Key::Alpha, 1)]));
}

#[test]
fn keys_that_are_not_strings_are_refused_like_serde_json() {
    let refused = BTreeMap::from([(vec![1], 1)]);
    assert!(serde_json::to_string(&refused).is_err());
    assert!(ours(&refused).unwrap_err().to_string().contains("key must be a string"));
    let unit_key = BTreeMap::from([((), 1)]);
    assert!(serde_json::to_string(&unit_key).is_err());
    assert!(ours(&unit_key).is_err());
    let mut nan_key = HashMap::new();
    nan_key.insert(OrderedNan, 1);
    assert!(serde_json::to_string(&nan_key).is_err());
    assert!(ours(&nan_key).unwrap_err().to_string().contains("finite"));
}

#[derive(PartialEq, Eq, Hash)]
struct OrderedNan;

impl Serialize for OrderedNan {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_f64(f64::NAN)
    }
}

struct Bytes(&'static [u8]);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[test]
fn bytes_are_a_list_of_numbers() {
    same(&Bytes(b""));
    same(&Bytes(b"\x00\xffA"));
}

#[test]
fn raw_json_is_written_as_is() {
    let raw = RawValue::from_string(r#"{"already": ["json", 1]}"#.into()).unwrap();
    same(&raw);
    same(&json!({"wrapped": 1}).as_object().map(|_| vec![raw.clone(), raw.clone()]));
    #[derive(Serialize)]
    struct Holder<'a> {
        before: i32,
        raw: &'a RawValue,
        after: Option<&'a RawValue>,
    }
    same(&Holder { before: 1, raw: &raw, after: Some(&raw) });
}

#[test]
fn a_failing_value_is_an_error() {
    struct Fails;
    impl Serialize for Fails {
        fn serialize<S: Serializer>(&self, _: S) -> std::result::Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }
    assert_eq!(ours(&vec![Fails]).unwrap_err().to_string(), "no");
}
