//! The agent's own SQLite database, with bound parameters only and rows
//! decoded into Rust types.

use serde::de::DeserializeOwned;
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

impl Sql {
    pub(crate) fn new(inner: SqlStorage) -> Self {
        Sql { inner }
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

    /// Runs a statement for its effect and returns how many rows it wrote.
    pub fn execute(&self, query: &str, params: Vec<SqlValue>) -> Result<usize> {
        let cursor = self.exec(query, params)?;
        // Drain the cursor so the statement runs to completion.
        for row in cursor.raw() {
            row.map_err(|e| failed(query, e))?;
        }
        Ok(cursor.rows_written())
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
