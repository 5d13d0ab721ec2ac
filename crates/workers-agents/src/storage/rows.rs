//! Rows decoded into Rust types: a serde deserializer over one row's column
//! names and SQLite values.
//!
//! What each SQLite value decodes into:
//!
//! | SQLite | decodes into |
//! |---|---|
//! | `NULL` | `Option::None`, `()` |
//! | `INTEGER` (within ±2^53) | any integer type that holds it, `f32`/`f64`, and `bool` from `0` / `1` |
//! | `REAL` | `f32`, `f64` (a whole number within ±2^53 also into integers) |
//! | `TEXT` | `String`, `char`, a unit enum variant by name; text holding JSON into a struct, map, `Vec` or tuple |
//! | `BLOB` | `Vec<u8>` (and `serde_bytes`-style byte buffers) |
//!
//! A row decodes into a struct or map (columns by name), a tuple (columns in
//! order), or, when it has one column, that column's type (`query::<i64>("SELECT count(*) …")`).
//! Errors name the column and say what was found.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::sql::SqlValue;

/// A decoding failure, with the column it happened in when known.
#[derive(Debug, PartialEq)]
pub(crate) struct RowError(String);

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RowError {}

impl de::Error for RowError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        RowError(msg.to_string())
    }
}

/// Decodes row `values` (named by `columns`, in the same order) into `T`.
pub(crate) fn decode_row<T: de::DeserializeOwned>(columns: &[String], values: Vec<SqlValue>) -> Result<T, RowError> {
    T::deserialize(RowDeserializer { columns, values })
}

/// One row: a map of its columns, a sequence of its values, or its only value.
struct RowDeserializer<'a> {
    columns: &'a [String],
    values: Vec<SqlValue>,
}

impl<'a> RowDeserializer<'a> {
    /// The only column's value, for a row read as a single value.
    fn single(self, wanted: &str) -> Result<ValueDeserializer, RowError> {
        match <[SqlValue; 1]>::try_from(self.values) {
            Ok([value]) => Ok(ValueDeserializer { value, column: self.columns.first().cloned() }),
            Err(values) => Err(RowError(format!(
                "a row of {} columns does not decode into {wanted}: decode it into a struct or a tuple",
                values.len()
            ))),
        }
    }
}

macro_rules! single_value {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
            self.single(stringify!($method).trim_start_matches("deserialize_"))?.$method(visitor)
        })*
    };
}

impl<'de> Deserializer<'de> for RowDeserializer<'_> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_map(Columns { columns: self.columns.iter(), values: self.values.into_iter(), pending: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        let count = self.values.len();
        let mut values = Values { columns: self.columns.iter(), values: self.values.into_iter() };
        let out = visitor.visit_seq(&mut values)?;
        match values.values.len() {
            0 => Ok(out),
            left => Err(RowError(format!("the row has {count} columns, {left} more than the tuple takes"))),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, RowError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.single("an enum")?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_unit()
    }

    single_value! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_identifier
    }
}

/// A row's columns, by name.
struct Columns<'a> {
    columns: std::slice::Iter<'a, String>,
    values: std::vec::IntoIter<SqlValue>,
    pending: Option<(String, SqlValue)>,
}

impl<'de> MapAccess<'de> for Columns<'_> {
    type Error = RowError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, RowError> {
        let (Some(column), Some(value)) = (self.columns.next(), self.values.next()) else {
            return Ok(None);
        };
        let key = seed.deserialize(column.as_str().into_deserializer())?;
        self.pending = Some((column.clone(), value));
        Ok(Some(key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, RowError> {
        let (column, value) = self.pending.take().ok_or_else(|| RowError("a value without its column".into()))?;
        seed.deserialize(ValueDeserializer { value, column: Some(column) })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len())
    }
}

/// A row's values, in order.
struct Values<'a> {
    columns: std::slice::Iter<'a, String>,
    values: std::vec::IntoIter<SqlValue>,
}

impl<'de> SeqAccess<'de> for Values<'_> {
    type Error = RowError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, RowError> {
        let Some(value) = self.values.next() else { return Ok(None) };
        seed.deserialize(ValueDeserializer { value, column: self.columns.next().cloned() }).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len())
    }
}

/// One column's value.
struct ValueDeserializer {
    value: SqlValue,
    column: Option<String>,
}

/// `error`, prefixed with the column it happened in (once).
fn in_column(column: Option<&str>, error: RowError) -> RowError {
    match column {
        Some(column) if !error.0.starts_with("column `") => RowError(format!("column `{column}`: {}", error.0)),
        _ => error,
    }
}

impl ValueDeserializer {
    fn in_column(&self, error: RowError) -> RowError {
        in_column(self.column.as_deref(), error)
    }

    fn unexpected(&self) -> de::Unexpected<'_> {
        match &self.value {
            SqlValue::Null => de::Unexpected::Other("NULL"),
            SqlValue::Boolean(b) => de::Unexpected::Bool(*b),
            SqlValue::Integer(i) => de::Unexpected::Signed(*i),
            SqlValue::Float(f) => de::Unexpected::Float(*f),
            SqlValue::String(s) => de::Unexpected::Str(s),
            SqlValue::Blob(b) => de::Unexpected::Bytes(b),
        }
    }

    fn any<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.value {
            SqlValue::Null => visitor.visit_unit(),
            SqlValue::Boolean(b) => visitor.visit_bool(b),
            SqlValue::Integer(i) => visitor.visit_i64(i),
            SqlValue::Float(f) => visitor.visit_f64(f),
            SqlValue::String(s) => visitor.visit_string(s),
            SqlValue::Blob(b) => visitor.visit_byte_buf(b),
        }
    }

    /// Text holding JSON, decoded as a compound value (bytes of a blob as a
    /// sequence); anything else is the wrong type.
    fn compound<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        json: impl FnOnce(serde_json::Value, V) -> serde_json::Result<V::Value>,
    ) -> Result<V::Value, RowError> {
        match &self.value {
            SqlValue::String(text) => {
                let out = serde_json::from_str(text).and_then(|value| json(value, visitor));
                out.map_err(|e| self.in_column(RowError(format!("text that is not the JSON expected: {e}"))))
            }
            SqlValue::Blob(bytes) => {
                let out = visitor.visit_seq(de::value::SeqDeserializer::new(bytes.iter().copied()));
                out.map_err(|e: de::value::Error| self.in_column(RowError(e.to_string())))
            }
            _ => {
                let error = de::Error::invalid_type(self.unexpected(), &visitor);
                Err(self.in_column(error))
            }
        }
    }
}

macro_rules! as_any {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
            let column = self.column.clone();
            self.any(visitor).map_err(|e| in_column(column.as_deref(), e))
        })*
    };
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = RowError;

    as_any! {
        deserialize_any deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.value {
            SqlValue::Boolean(b) => visitor.visit_bool(b),
            SqlValue::Integer(0) => visitor.visit_bool(false),
            SqlValue::Integer(1) => visitor.visit_bool(true),
            _ => Err(self.in_column(de::Error::invalid_type(self.unexpected(), &"a boolean (0 or 1)"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.value {
            SqlValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.value {
            SqlValue::Null => visitor.visit_unit(),
            _ => Err(self.in_column(de::Error::invalid_type(self.unexpected(), &"NULL"))),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, RowError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        let column = self.column.clone();
        let in_column = |e: RowError| in_column(column.as_deref(), e);
        match &self.value {
            // A unit variant by name, or JSON text (`{"Variant": …}`) for the others.
            SqlValue::String(text) if variants.contains(&text.as_str()) => {
                visitor.visit_enum(text.as_str().into_deserializer()).map_err(in_column)
            }
            SqlValue::String(_) => {
                self.compound(visitor, |json, visitor| json.deserialize_enum(name, variants, visitor))
            }
            _ => Err(in_column(de::Error::invalid_type(self.unexpected(), &"text naming a variant"))),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        self.compound(visitor, |json, visitor| json.deserialize_seq(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, RowError> {
        self.compound(visitor, |json, visitor| json.deserialize_tuple(len, visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.compound(visitor, |json, visitor| json.deserialize_tuple_struct(name, len, visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        self.compound(visitor, |json, visitor| json.deserialize_map(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.compound(visitor, |json, visitor| json.deserialize_struct(name, fields, visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn row<T: de::DeserializeOwned>(columns: &[&str], values: Vec<SqlValue>) -> Result<T, String> {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        decode_row(&columns, values).map_err(|e| e.0)
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Todo {
        id: i64,
        title: String,
        done: bool,
        due: Option<f64>,
    }

    #[test]
    fn decodes_booleans_from_zero_and_one() {
        let todo =
            |done| row::<Todo>(&["id", "title", "done", "due"], vec![1.into(), "a".into(), done, SqlValue::Null]);
        assert!(!todo(SqlValue::Integer(0)).unwrap().done);
        assert!(todo(SqlValue::Integer(1)).unwrap().done);
        assert_eq!(
            todo(SqlValue::Integer(2)).unwrap_err(),
            "column `done`: invalid type: integer `2`, expected a boolean (0 or 1)"
        );
        assert_eq!(
            todo(SqlValue::String("yes".into())).unwrap_err(),
            "column `done`: invalid type: string \"yes\", expected a boolean (0 or 1)"
        );
        assert_eq!(row::<bool>(&["b"], vec![SqlValue::Integer(1)]), Ok(true));
    }

    #[test]
    fn decodes_structs_by_column_name_and_names_the_failing_column() {
        let values = vec![SqlValue::String("a".into()), 7.into(), SqlValue::Float(1.5), 0.into()];
        let todo: Todo = row(&["title", "id", "due", "done"], values).unwrap();
        assert_eq!(todo, Todo { id: 7, title: "a".into(), done: false, due: Some(1.5) });
        let missing = row::<Todo>(&["id", "title"], vec![1.into(), "a".into()]);
        assert_eq!(missing.unwrap_err(), "missing field `done`");
        let fractional = row::<Todo>(&["id"], vec![SqlValue::Float(1.5)]);
        assert_eq!(fractional.unwrap_err(), "column `id`: invalid type: floating point `1.5`, expected i64");
        let null = row::<Todo>(&["id"], vec![SqlValue::Null]);
        assert_eq!(null.unwrap_err(), "column `id`: invalid type: unit value, expected i64");
    }

    #[test]
    fn decodes_integers_into_every_type_that_holds_them() {
        assert_eq!(row::<u8>(&["n"], vec![200.into()]), Ok(200));
        assert_eq!(
            row::<u8>(&["n"], vec![300.into()]).unwrap_err(),
            "column `n`: invalid value: integer `300`, expected u8"
        );
        assert_eq!(row::<f64>(&["n"], vec![3.into()]), Ok(3.0));
        assert_eq!(row::<Option<u32>>(&["n"], vec![SqlValue::Null]), Ok(None));
        assert!(row::<u32>(&["n"], vec![(-1).into()]).is_err());
    }

    #[test]
    fn decodes_tuples_in_column_order_and_single_columns_as_values() {
        let values = || vec![SqlValue::from(1), SqlValue::from("x")];
        assert_eq!(row::<(i64, String)>(&["a", "b"], values()), Ok((1, "x".into())));
        assert!(row::<(i64,)>(&["a", "b"], values()).unwrap_err().contains("1 more than the tuple takes"));
        assert_eq!(row::<i64>(&["count(*)"], vec![5.into()]), Ok(5));
        assert_eq!(
            row::<i64>(&["a", "b"], values()).unwrap_err(),
            "a row of 2 columns does not decode into i64: decode it into a struct or a tuple"
        );
        let map: std::collections::BTreeMap<String, serde_json::Value> = row(&["a", "b"], values()).unwrap();
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":1,"b":"x"}"#);
    }

    #[test]
    fn decodes_text_into_strings_enums_and_json() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "lowercase")]
        enum Status {
            Open,
            Closed,
        }
        #[derive(Debug, Deserialize, PartialEq)]
        struct Tagged {
            status: Status,
            tags: Vec<String>,
        }
        let tagged: Tagged = row(&["status", "tags"], vec!["open".into(), r#"["a","b"]"#.into()]).unwrap();
        assert_eq!(tagged, Tagged { status: Status::Open, tags: vec!["a".into(), "b".into()] });
        assert_eq!(row::<Status>(&["s"], vec!["closed".into()]), Ok(Status::Closed));
        assert!(row::<Status>(&["s"], vec!["gone".into()]).unwrap_err().starts_with("column `s`: "));
        let bad = row::<Tagged>(&["status", "tags"], vec!["open".into(), "a,b".into()]).unwrap_err();
        assert!(bad.starts_with("column `tags`: text that is not the JSON expected"), "{bad}");
        // A JSON value target keeps text as text.
        assert_eq!(row::<serde_json::Value>(&["t"], vec!["[1]".into()]).unwrap()["t"], "[1]");
    }

    #[test]
    fn decodes_blobs_into_bytes() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct File {
            b: Vec<u8>,
        }
        assert_eq!(row::<File>(&["b"], vec![SqlValue::Blob(vec![1, 2, 255])]), Ok(File { b: vec![1, 2, 255] }));
        assert!(row::<File>(&["b"], vec![SqlValue::Integer(1)]).is_err());
        // A row is a sequence of its columns: one blob column is a tuple of one.
        assert_eq!(row::<(Vec<u8>,)>(&["b"], vec![SqlValue::Blob(vec![7])]), Ok((vec![7],)));
    }
}
