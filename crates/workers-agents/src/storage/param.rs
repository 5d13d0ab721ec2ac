//! What `params!` binds: Rust values as SQLite values.

use super::sql::SqlValue;

/// A value `params!` binds to a `?` of a statement.
///
/// | Rust | SQLite |
/// |---|---|
/// | `i8`, `i16`, `i32`, `i64`, `u8`, `u16`, `u32` | `INTEGER` (an `i64` beyond ±2^53 loses precision on its way through JavaScript: bind it as text) |
/// | `f32`, `f64` | `REAL` (a whole number comes back as `INTEGER`-like: it decodes into either) |
/// | `bool` | `INTEGER` `0` / `1` (SQLite has no boolean; rows decode it back into `bool`) |
/// | `String`, `&str`, `&String`, `char` | `TEXT` |
/// | `Vec<u8>`, `&[u8]` | `BLOB` |
/// | `Option<T>` | `NULL` for `None`, else as `T` |
/// | [`SqlValue`] | itself |
///
/// `u64`, `usize` and `i128` are not here, as they may not fit: convert with
/// `i64::try_from(n)?`. A struct or list goes in as JSON text
/// (`serde_json::to_string(&value)?`), which rows decode back into the type.
///
/// ```compile_fail
/// let big: u64 = 1;
/// let _ = workers_agents::params![big]; // u64 does not bind: `i64::try_from(big)?`
/// ```
pub trait SqlParam {
    /// The SQLite value this becomes.
    fn into_sql_value(self) -> SqlValue;
}

macro_rules! integer_params {
    ($($ty:ty)*) => {
        $(impl SqlParam for $ty {
            fn into_sql_value(self) -> SqlValue {
                SqlValue::Integer(i64::from(self))
            }
        })*
    };
}

integer_params!(i8 i16 i32 i64 u8 u16 u32);

impl SqlParam for bool {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::Integer(i64::from(self))
    }
}

impl SqlParam for f64 {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::Float(self)
    }
}

impl SqlParam for f32 {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::Float(f64::from(self))
    }
}

impl SqlParam for String {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::String(self)
    }
}

impl SqlParam for &str {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::String(self.to_owned())
    }
}

impl SqlParam for &String {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::String(self.clone())
    }
}

impl SqlParam for char {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::String(self.to_string())
    }
}

impl SqlParam for Vec<u8> {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::Blob(self)
    }
}

impl SqlParam for &[u8] {
    fn into_sql_value(self) -> SqlValue {
        SqlValue::Blob(self.to_vec())
    }
}

impl SqlParam for SqlValue {
    fn into_sql_value(self) -> SqlValue {
        match self {
            // The runtime binds no booleans: as SQLite stores them.
            SqlValue::Boolean(b) => SqlValue::Integer(i64::from(b)),
            other => other,
        }
    }
}

impl<T: SqlParam> SqlParam for Option<T> {
    fn into_sql_value(self) -> SqlValue {
        self.map_or(SqlValue::Null, SqlParam::into_sql_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_rust_values_as_sqlite_values() {
        assert_eq!(crate::params![true, false], vec![SqlValue::Integer(1), SqlValue::Integer(0)]);
        assert_eq!(crate::params![7u32, -3i8, 2.5f32], vec![7.into(), (-3).into(), SqlValue::Float(2.5)]);
        let name = String::from("a");
        assert_eq!(crate::params![&name, 'b', name.as_str()], vec!["a".into(), "b".into(), "a".into()]);
        assert_eq!(crate::params![None::<i64>, Some("x")], vec![SqlValue::Null, "x".into()]);
        assert_eq!(crate::params![&[1u8, 2][..]], vec![SqlValue::Blob(vec![1, 2])]);
        assert_eq!(crate::params![SqlValue::Boolean(true)], vec![SqlValue::Integer(1)]);
        assert!(crate::params![].is_empty());
    }
}
