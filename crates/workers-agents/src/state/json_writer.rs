//! Compact JSON for any `Serialize` value, appended to a `String`: the
//! same text as `serde_json::to_writer`, with strings escaped a word at a
//! time. serde_json looks at every byte of a string on its own, which made
//! encoding the largest part of a large state change's own cost in wasm.
//! Numbers are still formatted by serde_json.
//!
//! Only `&str` data and ASCII go in, so a large text needs no UTF-8 check
//! afterwards.

use serde::ser::{self, Error as _, Impossible, Serialize};
use serde_json::Error;

type Result<T = ()> = std::result::Result<T, Error>;

/// Appends `value` as compact JSON to `out`. On error, `out` holds part of it.
pub(crate) fn write_json<T: ?Sized + Serialize>(out: &mut String, value: &T) -> Result {
    value.serialize(&mut Writer { out })
}

/// serde_json's names for a raw JSON fragment (feature `raw_value`) and an
/// arbitrary-precision number: a struct of one field whose string is JSON.
/// Another crate in a build can turn either feature on.
const RAW_TOKENS: [&str; 2] = ["$serde_json::private::RawValue", "$serde_json::private::Number"];

/// Serializer methods for number types, each handing its value to `$via`.
macro_rules! numbers {
    ($via:ident: $($method:ident($ty:ty))*) => {$(
        fn $method(self, v: $ty) -> Result {
            self.$via(v)
        }
    )*};
}

struct Writer<'a> {
    out: &'a mut String,
}

impl Writer<'_> {
    fn number<N: Serialize>(&mut self, n: N) -> Result {
        write_number(self.out, n)
    }

    fn variant_open(&mut self, variant: &str) {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push(':');
    }
}

/// A list or object being written; `first` until an element is.
struct Compound<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    /// What closes it: `]`, `}`, or `]}` / `}}` for an enum variant.
    close: &'static str,
    /// A raw-fragment struct (see [`RAW_TOKENS`]).
    raw: bool,
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.writer.out.push(',');
        }
    }

    fn end(self) -> Result {
        self.writer.out.push_str(self.close);
        Ok(())
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result {
        if self.raw {
            return value.serialize(KeyWriter { out: self.writer.out, raw: true });
        }
        self.comma();
        write_str(self.writer.out, key);
        self.writer.out.push(':');
        value.serialize(&mut *self.writer)
    }
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Result {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    numbers!(number:
        serialize_i8(i8) serialize_i16(i16) serialize_i32(i32) serialize_i64(i64) serialize_i128(i128)
        serialize_u8(u8) serialize_u16(u16) serialize_u32(u32) serialize_u64(u64) serialize_u128(u128)
        serialize_f32(f32) serialize_f64(f64));
    fn serialize_char(self, v: char) -> Result {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        let mut list = self.serialize_seq(Some(v.len()))?;
        v.iter().try_for_each(|byte| list.element(byte))?;
        list.end()
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.variant_open(variant);
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w, 'a>> {
        self.out.push('[');
        Ok(Compound { writer: self, first: true, close: "]", raw: false })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'w, 'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'a>> {
        self.variant_open(variant);
        self.out.push('[');
        Ok(Compound { writer: self, first: true, close: "]}", raw: false })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w, 'a>> {
        self.out.push('{');
        Ok(Compound { writer: self, first: true, close: "}", raw: false })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'w, 'a>> {
        if RAW_TOKENS.contains(&name) {
            return Ok(Compound { writer: self, first: true, close: "", raw: true });
        }
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'a>> {
        self.variant_open(variant);
        self.out.push('{');
        Ok(Compound { writer: self, first: true, close: "}}", raw: false })
    }
}

/// The list-like compounds: each element is written after a comma.
macro_rules! list_compound {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
                self.element(value)
            }
            fn end(self) -> Result {
                Compound::end(self)
            }
        }
    )*};
}

list_compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The struct-like compounds: named fields.
macro_rules! struct_compound {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result {
                self.field(key, value)
            }
            fn end(self) -> Result {
                Compound::end(self)
            }
        }
    )*};
}

struct_compound!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result {
        self.comma();
        key.serialize(KeyWriter { out: self.writer.out, raw: false })
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.writer.out.push(':');
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

/// A map key: JSON allows only strings, so numbers and booleans are quoted
/// (as serde_json does) and anything else is refused. With `raw`, the one
/// field of a raw-fragment struct (see [`RAW_TOKENS`]): a string of JSON,
/// written as is (serde_json gives that field nothing but a string).
struct KeyWriter<'a> {
    out: &'a mut String,
    raw: bool,
}

impl KeyWriter<'_> {
    fn quoted<N: Serialize>(self, n: N) -> Result {
        self.out.push('"');
        write_number(self.out, n)?;
        self.out.push('"');
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    Error::custom("key must be a string")
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result {
        self.out.push_str(if v { "\"true\"" } else { "\"false\"" });
        Ok(())
    }
    numbers!(quoted:
        serialize_i8(i8) serialize_i16(i16) serialize_i32(i32) serialize_i64(i64) serialize_i128(i128)
        serialize_u8(u8) serialize_u16(u16) serialize_u32(u32) serialize_u64(u64) serialize_u128(u128));
    fn serialize_f32(self, v: f32) -> Result {
        if !v.is_finite() {
            return Err(Error::custom("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(v)
    }
    fn serialize_f64(self, v: f64) -> Result {
        if !v.is_finite() {
            return Err(Error::custom("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(v)
    }
    fn serialize_char(self, v: char) -> Result {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        if self.raw {
            self.out.push_str(v);
        } else {
            write_str(self.out, v);
        }
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Impossible<(), Error>> {
        Err(key_must_be_a_string())
    }
}

/// Whether any byte of `word` is below 0x20, `"` or `\`: the bytes JSON
/// must escape. Exact as a yes/no (each test is the classic "has a byte less
/// than n" / "has a zero byte" trick, which has no false positives when no
/// byte qualifies); bytes of 0x80 and up never match.
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    (control | quote | backslash) & HIGH != 0
}

/// The escape for a byte, or `None` when it is written as is.
fn escape_of(byte: u8) -> Option<&'static str> {
    const CONTROL: [&str; 32] = [
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b", "\\t", "\\n",
        "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014",
        "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e",
        "\\u001f",
    ];
    match byte {
        b'"' => Some("\\\""),
        b'\\' => Some("\\\\"),
        0..=0x1f => Some(CONTROL[byte as usize]),
        _ => None,
    }
}

/// Appends `text` as a JSON string. Runs of bytes that need no escape (all
/// but `"`, `\` and control characters) are found 8 bytes at a time and
/// copied whole.
fn write_str(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        // A word with an escape in it, or the last few bytes: one at a time.
        let end = bytes.len().min(at + 8);
        for (i, &byte) in bytes[at..end].iter().enumerate() {
            if let Some(escape) = escape_of(byte) {
                // `copied` and `at + i` sit next to ASCII bytes: character boundaries.
                out.push_str(&text[copied..at + i]);
                out.push_str(escape);
                copied = at + i + 1;
            }
        }
        at = end;
    }
    out.push_str(&text[copied..]);
    out.push('"');
}

/// Appends a number as serde_json writes it (itoa, ryu; `null` for a float
/// that is not finite), through a small stack buffer.
fn write_number<N: Serialize>(out: &mut String, n: N) -> Result {
    let mut digits = [0u8; 64];
    let mut cursor = std::io::Cursor::new(&mut digits[..]);
    serde_json::to_writer(&mut cursor, &n)?;
    let len = cursor.position() as usize;
    out.push_str(std::str::from_utf8(&digits[..len]).map_err(Error::custom)?);
    Ok(())
}

#[cfg(test)]
mod tests;
