//! The agent's own SQLite database, with bound parameters only and rows
//! decoded into Rust types.

use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, JsString};
use worker::{SqlCursor, SqlStorage};

pub use worker::SqlStorageValue as SqlValue;

use crate::{Error, Result};

/// Builds a parameter list for [`Sql`] methods from any values convertible
/// into [`SqlValue`]: `params![name, 42, Some(1.5)]`.
#[macro_export]
macro_rules! params {
    () => { ::std::vec::Vec::<$crate::SqlValue>::new() };
    ($($value:expr),+ $(,)?) => { ::std::vec![$($crate::SqlValue::from($value)),+] };
}

/// Handle to the agent's SQLite database (`ctx.storage.sql`).
///
/// Values only ever travel as bound parameters (`?`), never spliced into the
/// SQL text. Every error names the statement that failed.
#[derive(Clone)]
pub struct Sql {
    inner: SqlStorage,
}

impl std::fmt::Debug for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sql")
    }
}

fn failed(query: &str, message: impl std::fmt::Display) -> Error {
    Error::Sql { query: query.to_owned(), message: message.to_string() }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `INSERT INTO t (a, b) SELECT json_extract(value, '$[0]'), … FROM json_each(?)`.
fn bulk_insert_sql(table: &str, columns: &[&str]) -> Result<String> {
    if let Some(bad) = std::iter::once(&table).chain(columns).find(|name| !is_identifier(name)) {
        return Err(failed(&format!("INSERT INTO {table}"), format!("\"{bad}\" is not a plain identifier")));
    }
    if columns.is_empty() {
        return Err(failed(&format!("INSERT INTO {table}"), "no columns"));
    }
    let picks: Vec<String> = (0..columns.len()).map(|i| format!("json_extract(value, '$[{i}]')")).collect();
    Ok(format!("INSERT INTO {table} ({}) SELECT {} FROM json_each(?)", columns.join(", "), picks.join(", ")))
}

/// Drains `cursor` so its statement runs to completion; the rows written.
fn run_to_completion(query: &str, cursor: &SqlCursor) -> Result<usize> {
    for row in cursor.raw() {
        row.map_err(|e| failed(query, e))?;
    }
    Ok(cursor.rows_written())
}

impl Sql {
    pub(crate) fn new(durable: &worker::State) -> Self {
        Sql { inner: durable.storage().sql() }
    }

    /// Runs one statement and returns the runtime cursor.
    pub fn exec(&self, query: &str, params: Vec<SqlValue>) -> Result<SqlCursor> {
        let bindings = if params.is_empty() { None } else { Some(params) };
        self.inner.exec(query, bindings).map_err(|e| failed(query, e))
    }

    /// Runs a query and decodes every row into `T` (columns by name).
    pub fn query<T: DeserializeOwned>(&self, query: &str, params: Vec<SqlValue>) -> Result<Vec<T>> {
        self.exec(query, params)?.to_array().map_err(|e| failed(query, format!("row decoding: {e}")))
    }

    /// Runs a query and decodes its first row, if any.
    pub fn query_one<T: DeserializeOwned>(&self, query: &str, params: Vec<SqlValue>) -> Result<Option<T>> {
        let cursor = self.exec(query, params)?;
        match cursor.next::<T>().next() {
            None => Ok(None),
            Some(row) => row.map(Some).map_err(|e| failed(query, format!("row decoding: {e}"))),
        }
    }

    /// Runs a query and returns, for every row, an integer column and a text
    /// column, the text as a JS string (not moved into Rust); the state store
    /// reads its chunk rows this way.
    pub(crate) fn query_keyed_js_texts(
        &self,
        query: &str,
        key: &str,
        text: &str,
        params: Vec<SqlValue>,
    ) -> Result<Vec<(i64, JsString)>> {
        let (key, text) = (JsValue::from_str(key), JsValue::from_str(text));
        let column = |row: &JsValue, name: &JsValue| {
            js_sys::Reflect::get(row, name).map_err(|e| failed(query, format!("{e:?}")))
        };
        let mut rows = Vec::new();
        for row in self.exec(query, params)? {
            let row = row.map_err(|e| failed(query, e))?;
            let number = column(&row, &key)?.as_f64().filter(|n| n.fract() == 0.0);
            let number = number.ok_or_else(|| failed(query, "row decoding: expected an integer key"))?;
            let value = column(&row, &text)?;
            let value = value.dyn_into::<JsString>().map_err(|_| failed(query, "row decoding: expected text"))?;
            rows.push((number as i64, value));
        }
        Ok(rows)
    }

    /// Runs a statement with runtime values as parameters (a large string
    /// passed as a JS string is not copied into a Rust `String` first).
    pub(crate) fn execute_js(&self, query: &str, params: Vec<JsValue>) -> Result<usize> {
        let cursor = self.inner.exec_raw(query, params).map_err(|e| failed(query, e))?;
        run_to_completion(query, &cursor)
    }

    /// Runs a statement for its effect and returns how many rows it wrote.
    pub fn execute(&self, query: &str, params: Vec<SqlValue>) -> Result<usize> {
        run_to_completion(query, &self.exec(query, params)?)
    }

    /// Inserts many rows in one statement, crossing into the runtime once:
    /// the rows travel as one JSON parameter read back with `json_each`.
    /// `table` and `columns` must be plain identifiers (letters, digits, `_`);
    /// each row holds one JSON value per column (numbers, strings, booleans,
    /// null; arrays and objects are stored as JSON text). Returns rows written.
    pub fn insert_many(&self, table: &str, columns: &[&str], rows: &[Vec<serde_json::Value>]) -> Result<usize> {
        let query = bulk_insert_sql(table, columns)?;
        if let Some((index, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != columns.len()) {
            return Err(failed(&query, format!("row {index} has {} values for {} columns", row.len(), columns.len())));
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let json = serde_json::to_string(rows).map_err(|e| failed(&query, e))?;
        self.execute(&query, vec![SqlValue::from(json)])
    }

    /// Runs several `;`-separated statements without parameters (schema setup).
    pub fn execute_batch(&self, statements: &str) -> Result<()> {
        self.execute(statements, Vec::new()).map(|_| ())
    }

    /// The database's size in bytes.
    pub fn database_size(&self) -> usize {
        self.inner.database_size()
    }

    /// The runtime handle, for what this wrapper does not cover.
    pub fn raw(&self) -> &SqlStorage {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_bulk_inserts_from_identifiers_only() {
        assert_eq!(
            bulk_insert_sql("rows", &["a", "b_2"]).unwrap(),
            "INSERT INTO rows (a, b_2) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
        );
        for (table, columns) in
            [("rows; DROP TABLE x", vec!["a"]), ("rows", vec!["a)"]), ("1rows", vec!["a"]), ("rows", vec![])]
        {
            assert!(bulk_insert_sql(table, &columns).is_err(), "{table} {columns:?}");
        }
    }
}
